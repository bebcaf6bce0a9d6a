"""BaselineCopy: an Approved version's drift-check baseline, copied to where its monitors read.

The retraining pipeline registers each version with the data-quality baseline of its
training data (`DriftCheckBaselines.ModelDataQuality`), under `pipelines/<family>/`; the
endpoints' data-quality schedules read `baselines/<family>/<version>/`. When a version of one
of the stack's families turns Approved, an EventBridge rule starts a Step Functions state
machine that describes the version and copies both files there, so the baseline is in
place before anyone pins the version.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from ..aws_context import aws_identity
from ..context import Deployment
from ..dead_letters import dead_letter_queue_policy, dead_letters
from ..model_package_events import approval_event_pattern
from ..state_machines import MachineSpec, encrypted_state_machine, start_role
from .args import BaselineCopyArgs
from .definition import copy_definition
from .roles import copy_statements


class BaselineCopy(pulumi.ComponentResource):
    """Copies each Approved version's registered data-quality baseline for its monitors.

    Creates a Standard Step Functions state machine (JSONata; encrypted with the platform
    key; logging to a KMS-encrypted log group) that calls `DescribeModelPackage` and S3
    `CopyObject` through the AWS SDK integrations, as a role that may describe only the
    families' versions, read only where their pipelines write, and write only under
    `baselines/<family>/`; one EventBridge rule on the families' groups' `Approved` state
    changes whose target (a role that may only start this state machine) retries and then
    dead-letters to a KMS-encrypted queue; an alarm on failed executions (a version without
    a drift-check baseline, a baseline the role may not read) and one on the queue, both to
    the alert topic.

    Outputs:
        state_machine_arn: ARN of the state machine (re-run a version with
            `aws stepfunctions start-execution --input '{"detail": {"ModelPackageArn": ...}}'`).
        rule_name: Name of the approval rule.
        alarm_names: The failed-executions alarm and the dead-letter alarm.
    """

    state_machine_arn: pulumi.Output[str]
    rule_name: pulumi.Output[str]
    alarm_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        args: BaselineCopyArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:monitoring:BaselineCopy", name, None, opts)
        self._name, self._deployment = name, deployment
        machine, failed = self._state_machine(args)
        rule = self._rule(args)
        queue, queue_alarm = self._dead_letters(args, rule)
        self._target(args, rule, machine, queue)
        self.state_machine_arn = machine.arn
        self.rule_name = rule.name
        self.alarm_names = pulumi.Output.all(failed.name, queue_alarm.name)
        self.register_outputs(
            {
                "state_machine_arn": self.state_machine_arn,
                "rule_name": self.rule_name,
                "alarm_names": self.alarm_names,
            }
        )

    def _state_machine(
        self, args: BaselineCopyArgs
    ) -> tuple[aws.sfn.StateMachine, aws.cloudwatch.MetricAlarm]:
        d, ident = self._deployment, aws_identity()
        families = pulumi.Output.all(**dict(args.model_package_groups)).apply(
            lambda groups: {group: family for family, group in groups.items()}
        )
        definition = pulumi.Output.all(args.artifact_bucket_name, args.kms_key_arn, families).apply(
            lambda v: json.dumps(copy_definition(v[0], v[1], v[2]), indent=2)
        )
        spec = MachineSpec(
            machine_name=d.name("baseline-copy"),
            definition=definition,
            statements=lambda _machine_arn: copy_statements(
                ident,
                groups=args.model_package_groups,
                source_prefixes=args.source_prefixes,
                bucket_arn=args.artifact_bucket_arn,
                kms_key_arn=args.kms_key_arn,
            ),
            role_description="Step Functions copies Approved versions' drift-check baselines "
            "to baselines/ for the data-quality monitors.",
            failure_description="A baseline copy failed (see its execution's error and "
            "cause): the Approved version has no baseline where its monitors read it.",
        )
        return encrypted_state_machine(
            self._name,
            d,
            ident,
            spec,
            kms_key_arn=args.kms_key_arn,
            log_retention_days=args.log_retention_days,
            alert_topic_arn=args.alert_topic_arn,
            parent=self,
        )

    def _rule(self, args: BaselineCopyArgs) -> aws.cloudwatch.EventRule:
        d = self._deployment
        groups = [args.model_package_groups[f] for f in sorted(args.model_package_groups)]
        return aws.cloudwatch.EventRule(
            f"{self._name}-approved",
            name=d.name("baseline-copy"),
            description="A model version is Approved: copy its drift-check baseline to "
            "baselines/<family>/<version>/",
            event_pattern=pulumi.Output.all(*groups).apply(
                lambda names: json.dumps(approval_event_pattern(*names))
            ),
            tags=d.tagged(),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _dead_letters(
        self, args: BaselineCopyArgs, rule: aws.cloudwatch.EventRule
    ) -> tuple[aws.sqs.Queue, aws.cloudwatch.MetricAlarm]:
        d = self._deployment
        letters = dead_letters(
            f"{self._name}-dlq",
            d,
            queue_name=d.name("baseline-copy-dlq"),
            alarm_name=d.name("baseline-copy-dlq"),
            description="An approval could not start the baseline copy after its retries; "
            "the event waits in the dead-letter queue.",
            kms_key_arn=args.kms_key_arn,
            topic_arn=args.alert_topic_arn,
            parent=self,
        )
        dead_letter_queue_policy(
            f"{self._name}-dlq-policy",
            letters.queue,
            sid="ApprovalDeadLetters",
            rule_arns=[rule.arn],
        )
        return letters.queue, letters.alarm

    def _target(
        self,
        args: BaselineCopyArgs,
        rule: aws.cloudwatch.EventRule,
        machine: aws.sfn.StateMachine,
        queue: aws.sqs.Queue,
    ) -> None:
        """The whole event is the execution's input; a role that may only start `machine`."""
        d = self._deployment
        start = start_role(
            f"{self._name}-start-role",
            d,
            role_name=d.name("baseline-copy-start"),
            machine_arn=machine.arn,
            parent=self,
            description="EventBridge starts the baseline copy state machine.",
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-start",
            rule=rule.name,
            arn=machine.arn,
            role_arn=start.arn,
            retry_policy={
                "maximum_retry_attempts": args.max_retry_attempts,
                "maximum_event_age_in_seconds": args.max_event_age_seconds,
            },
            dead_letter_config={"arn": queue.arn},
            # EventBridge assumes the role on the first delivery: its grant must be there.
            opts=pulumi.ResourceOptions(parent=rule, depends_on=start.ready),
        )
