"""Approval-driven promotion: an Approved model version asks GitHub to open a promote PR.

Per promoted model family, an EventBridge rule matches the family's model package group
turning a version `Approved` and calls GitHub's repository dispatch API through an
EventBridge API destination. The dispatched `promote` workflow opens a pull request that
pins the version, so promotion passes the same plan, policy, preview and reviewers as any
other change. Failed calls are retried, then parked in a KMS-encrypted dead-letter queue
whose depth alarms on the alert topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .context import Deployment
from .dead_letters import DeadLetters, dead_letter_queue_policy, dead_letters
from .iam import ServiceRole, Statement, service_role
from .model_package_events import approval_event_pattern

# GitHub's REST API; dispatches need these headers besides the token.
GITHUB_API = "https://api.github.com"
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
# Values the input transformer reads from the event (all present in every state change).
EVENT_FIELDS = {
    "group": "$.detail.ModelPackageGroupName",
    "version": "$.detail.ModelPackageVersion",
    "arn": "$.detail.ModelPackageArn",
}


@dataclass
class PromotionArgs:
    """Inputs of Promotion.

    Args:
        github_repository: `owner/repo` whose promote workflow the dispatch starts.
        token_secret: Secrets Manager secret (name or ARN) holding the GitHub token (read at deploy
            time into the EventBridge connection, itself encrypted with the platform key).
        model_package_groups: Model family -> its model package group name.
        kms_key_arn: Key of the connection's secret and the dead-letter queue.
        alert_topic_arn: Topic the dead-letter alarm notifies.
        event_type: The repository_dispatch event type the workflow listens to.
        max_retry_attempts: EventBridge retries of a failed call.
        max_event_age_seconds: Retry for at most this long, then dead-letter.
    """

    github_repository: str
    token_secret: str
    model_package_groups: Mapping[str, pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str]
    event_type: str = "model-approved"
    max_retry_attempts: int = 10
    max_event_age_seconds: int = 3600


def dispatch_template(event_type: str, stack: str, family: str) -> str:
    """The input template: GitHub's dispatch body. `<group>` and `<arn>` are strings that
    EventBridge quotes itself; `<version>` stays a number."""
    stack_json, family_json = json.dumps(stack), json.dumps(family)
    return (
        f'{{"event_type":{json.dumps(event_type)},"client_payload":{{'
        f'"stack":{stack_json},"model":{family_json},'
        '"group":<group>,"version":<version>,"model_package_arn":<arn>}}'
    )


def dispatch_url(repository: str) -> str:
    """GitHub's `POST /repos/{owner}/{repo}/dispatches`."""
    return f"{GITHUB_API}/repos/{repository}/dispatches"


class Promotion(pulumi.ComponentResource):
    """Approvals in the model registry open promotion pull requests.

    Creates an EventBridge connection (API-key auth: `Authorization: Bearer <token>`, the
    token read from the named Secrets Manager secret, the connection encrypted with the
    platform key), an API destination calling GitHub's repository dispatch endpoint, and
    per model family a rule on its package group's `Approved` state changes whose target
    sends `{"event_type": ..., "client_payload": {stack, model, group, version,
    model_package_arn}}` with retries and a KMS-encrypted SQS dead-letter queue; a role
    allowed only `events:InvokeApiDestination` on that destination; and an alarm on the
    dead-letter queue.

    Outputs:
        rule_names: Model family -> approval rule name.
        dead_letter_queue_url: URL of the dead-letter queue.
        alarm_name: Name of the dead-letter queue's alarm.
    """

    rule_names: pulumi.Output[dict[str, str]]
    dead_letter_queue_url: pulumi.Output[str]
    alarm_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: PromotionArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:lifecycle:Promotion", name, None, opts)
        self._name, self._deployment = name, deployment
        destination = self._destination(args)
        role = self._role(destination)
        letters = self._dead_letters(args)
        queue = letters.queue
        rules = {
            family: self._rule(family, group, args, destination, role, queue)
            for family, group in args.model_package_groups.items()
        }
        self._queue_accepts(queue, list(rules.values()))
        self.alarm_name = letters.alarm.name
        self.rule_names = pulumi.Output.all(**{f: r.name for f, r in rules.items()})
        self.dead_letter_queue_url = queue.url
        self.register_outputs(
            {
                "rule_names": self.rule_names,
                "dead_letter_queue_url": self.dead_letter_queue_url,
                "alarm_name": self.alarm_name,
            }
        )

    def _destination(self, args: PromotionArgs) -> aws.cloudwatch.EventApiDestination:
        d = self._deployment
        connection = aws.cloudwatch.EventConnection(
            f"{self._name}-github",
            name=d.name("github-dispatch"),
            description=f"GitHub repository dispatch of {args.github_repository}",
            authorization_type="API_KEY",
            auth_parameters={
                "api_key": {
                    "key": "Authorization",
                    "value": self._bearer(args.token_secret),
                },
                "invocation_http_parameters": {
                    "headers": [
                        {"key": key, "value": value, "is_value_secret": False}
                        for key, value in GITHUB_HEADERS.items()
                    ]
                },
            },
            kms_key_identifier=args.kms_key_arn,
            # The token is read once, when the connection is created; previews never read
            # it (the preview role runs pull-request code and may not see the secret).
            # Rotate by replacing the connection (README "Lifecycle").
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["authParameters"]),
        )
        return aws.cloudwatch.EventApiDestination(
            f"{self._name}-dispatch",
            name=d.name("github-dispatch"),
            description="Opens a promotion pull request through the promote workflow",
            connection_arn=connection.arn,
            http_method="POST",
            invocation_endpoint=dispatch_url(args.github_repository),
            # GitHub's secondary rate limits: approvals are rare, bursts are not needed.
            invocation_rate_limit_per_second=1,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _bearer(self, secret: str) -> pulumi.Output[str]:
        """`Bearer <token>` from the secret at deploy time; a stand-in during previews."""
        if pulumi.runtime.is_dry_run():
            return pulumi.Output.secret("Bearer (read from the secret when created)")
        token = aws.secretsmanager.get_secret_version_output(
            secret_id=secret, opts=pulumi.InvokeOptions(parent=self)
        ).secret_string
        return token.apply(lambda t: pulumi.Output.secret(f"Bearer {t}"))

    def _role(self, destination: aws.cloudwatch.EventApiDestination) -> ServiceRole:
        d = self._deployment
        statements: list[Statement] = [
            {
                "Sid": "CallGithubDispatchOnly",
                "Effect": "Allow",
                "Action": "events:InvokeApiDestination",
                "Resource": destination.arn,
            }
        ]
        return service_role(
            f"{self._name}-role",
            d,
            role_name=d.name("promotion-dispatch"),
            services=["events.amazonaws.com"],
            parent=self,
            statements=statements,
            description="EventBridge calls the GitHub dispatch API destination.",
        )

    def _dead_letters(self, args: PromotionArgs) -> DeadLetters:
        d = self._deployment
        return dead_letters(
            f"{self._name}-dlq",
            d,
            queue_name=d.name("promotion-dlq"),
            alarm_name=d.name("promotion-dispatch-failed"),
            description="A promotion dispatch to GitHub failed after its retries; "
            "the event waits in the dead-letter queue.",
            kms_key_arn=args.kms_key_arn,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )

    def _rule(
        self,
        family: str,
        group: pulumi.Input[str],
        args: PromotionArgs,
        destination: aws.cloudwatch.EventApiDestination,
        role: ServiceRole,
        queue: aws.sqs.Queue,
    ) -> aws.cloudwatch.EventRule:
        d = self._deployment
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-{family}-approved",
            name=d.name("approved", family),
            description=f"A {family} model version is Approved: open its promotion PR",
            event_pattern=pulumi.Output.from_input(group).apply(
                lambda g: json.dumps(approval_event_pattern(g))
            ),
            tags=d.tagged(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-{family}-dispatch",
            rule=rule.name,
            arn=destination.arn,
            role_arn=role.arn,
            input_transformer={
                "input_paths": EVENT_FIELDS,
                "input_template": dispatch_template(args.event_type, d.stack, family),
            },
            retry_policy={
                "maximum_retry_attempts": args.max_retry_attempts,
                "maximum_event_age_in_seconds": args.max_event_age_seconds,
            },
            dead_letter_config={"arn": queue.arn},
            # EventBridge assumes the role on the first delivery: its grant must be there.
            opts=pulumi.ResourceOptions(parent=rule, depends_on=role.ready),
        )
        return rule

    def _queue_accepts(self, queue: aws.sqs.Queue, rules: list[aws.cloudwatch.EventRule]) -> None:
        """EventBridge may park undeliverable events of the approval rules (only) in the queue."""
        dead_letter_queue_policy(
            f"{self._name}-dlq-policy",
            queue,
            sid="ApprovalRuleDeadLetters",
            rule_arns=[r.arn for r in rules],
        )
