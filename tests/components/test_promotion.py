"""Promotion: approvals of the stack's families, and only those, dispatch the promote workflow."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_stack_file
from infra.plan import Plan
from tests.helpers import BASE_STACK, of_type, policy_json, write_stack

RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination"
CONNECTION = "aws:cloudwatch/eventConnection:EventConnection"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:mlops/github-dispatch-Ab12Cd"
# The value the mocks give every secret: it must never reach the plan in clear.
MOCK_SECRET = "offline-placeholder"


def _approval_rules(plan: Plan) -> dict[str, dict[str, Any]]:
    return {
        r["inputs"]["name"]: r
        for r in of_type(plan, RULE)
        if r["inputs"]["name"].startswith(f"mlops-{plan.stack}-approved-")
    }


def _event(group: str, status: str, version: int = 13) -> dict[str, Any]:
    """A model package state change as EventBridge delivers it (SageMaker's documented
    sample event, trimmed of the inference specification)."""
    arn = f"arn:aws:sagemaker:eu-west-1:123456789012:model-package/{group}/{version}"
    return {
        "version": "0",
        "id": "4b2c1e9a-7a4d-2f16-9c1b-0d7c1a6f2e11",
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2026-12-04T09:12:44Z",
        "region": "eu-west-1",
        "resources": [arn],
        "detail": {
            "ModelPackageGroupName": group,
            "ModelPackageVersion": version,
            "ModelPackageArn": arn,
            "CreationTime": 1764839564179,
            "ModelPackageStatus": "Completed",
            "ModelApprovalStatus": status,
            "ApprovalDescription": "metrics reviewed",
        },
    }


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Does EventBridge deliver `event` to a rule with `pattern`?

    moto 5.2's TestEventPattern API answers nothing, so this asks moto's matcher directly:
    the one its PutEvents routes events to rules with.
    """
    from moto.events.models import EventPattern

    return EventPattern.load(json.dumps(pattern)).matches_event(event)


def _transform(template: str, paths: dict[str, str], event: dict[str, Any]) -> Any:
    """EventBridge's input transformer on a JSON template: a placeholder outside quotes
    becomes the JSON value at its path (strings quoted, numbers as numbers)."""

    def value(match: re.Match[str]) -> str:
        node: Any = event
        for part in paths[match[1]].removeprefix("$.").split("."):
            node = node[part]
        return json.dumps(node)

    return json.loads(re.sub(r"<([A-Za-z0-9_]+)>", value, template))


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_only_approvals_of_the_stacks_own_families_match(shipped_plan: Any, stack: str) -> None:
    plan = shipped_plan(stack)
    rules = _approval_rules(plan)
    families = [m.name for m in plan.config.registry.models]
    assert sorted(rules) == sorted(f"mlops-{stack}-approved-{f}" for f in families)
    for family in families:
        pattern = json.loads(rules[f"mlops-{stack}-approved-{family}"]["inputs"]["eventPattern"])
        group = f"mlops-{stack}-{family}"
        assert _matches(pattern, _event(group, "Approved"))
        assert not _matches(pattern, _event(group, "Rejected"))
        assert not _matches(pattern, _event(group, "PendingManualApproval"))
        # Another family's group, and the same family in another stack, do not dispatch.
        assert not _matches(pattern, _event(f"mlops-{stack}-someone-else", "Approved"))
        other = "dev" if stack != "dev" else "prod"
        assert not _matches(pattern, _event(f"mlops-{other}-{family}", "Approved"))
        wrong_source = {**_event(group, "Approved"), "detail-type": "SageMaker Endpoint State"}
        assert not _matches(pattern, wrong_source)


def test_dev_promotes_by_hand_only(shipped_plan: Any) -> None:
    plan = shipped_plan("dev")
    assert not _approval_rules(plan)
    assert not of_type(plan, DESTINATION)


def test_dispatch_body_is_githubs_repository_dispatch(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    rules = _approval_rules(plan)
    targets = {
        t["inputs"]["rule"]: t for t in of_type(plan, TARGET) if t["inputs"]["rule"] in rules
    }
    assert set(targets) == set(rules)
    (destination,) = of_type(plan, DESTINATION)
    assert destination["inputs"]["invocationEndpoint"] == (
        "https://api.github.com/repos/acme/mlops-platform/dispatches"
    )
    assert destination["inputs"]["httpMethod"] == "POST"
    target = targets["mlops-prod-approved-fraud-detector"]["inputs"]
    transformer = target["inputTransformer"]
    body = _transform(
        transformer["inputTemplate"],
        transformer["inputPaths"],
        _event("mlops-prod-fraud-detector", "Approved", 14),
    )
    assert body == {
        "event_type": "model-approved",
        "client_payload": {
            "stack": "prod",
            "model": "fraud-detector",
            "group": "mlops-prod-fraud-detector",
            "version": 14,
            "model_package_arn": "arn:aws:sagemaker:eu-west-1:123456789012:"
            "model-package/mlops-prod-fraud-detector/14",
        },
    }
    # GitHub accepts at most 10 top-level client_payload properties.
    assert len(body["client_payload"]) <= 10
    # ARNs as AWS spells them: an API destination ends in a generated id.
    assert target["arn"].startswith(
        "arn:aws:events:eu-west-1:123456789012:api-destination/mlops-prod-github-dispatch/"
    )
    assert target["retryPolicy"]["maximumRetryAttempts"] > 0
    assert target["deadLetterConfig"]["arn"] == (
        "arn:aws:sqs:eu-west-1:123456789012:mlops-prod-promotion-dlq"
    )


def test_role_may_only_call_the_dispatch_destination(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (role,) = [
        r
        for r in of_type(plan, "aws:iam/role:Role")
        if r["inputs"]["name"] == "mlops-prod-promotion-dispatch"
    ]
    trust = policy_json(role, "assumeRolePolicy")
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "events.amazonaws.com"}]
    (grant,) = [
        r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r["parent"] == role["urn"]
    ]
    (statement,) = policy_json(grant)["Statement"]
    assert statement["Action"] == "events:InvokeApiDestination"
    assert statement["Resource"].startswith(
        "arn:aws:events:eu-west-1:123456789012:api-destination/mlops-prod-github-dispatch/"
    )


def test_token_stays_secret_and_connection_is_encrypted(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (connection,) = of_type(plan, CONNECTION)
    assert connection["inputs"]["authorizationType"] == "API_KEY"
    assert connection["inputs"]["authParameters"] == "[secret]"
    assert connection["inputs"]["kmsKeyIdentifier"].startswith("arn:aws:kms:")
    assert MOCK_SECRET not in json.dumps(plan.document())
    assert plan.config.promotion is not None
    assert plan.config.promotion.token_secret == "mlops/github-dispatch"


def test_dead_letters_are_encrypted_and_only_from_the_approval_rules(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (queue,) = [r for r in of_type(plan, "aws:sqs/queue:Queue") if "promotion" in r["name"]]
    assert queue["inputs"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
    # Other queues (Karpenter's interruption queue) have their own policies.
    (queue_policy,) = [
        p
        for p in of_type(plan, "aws:sqs/queuePolicy:QueuePolicy")
        if p["inputs"]["queueUrl"].endswith("/" + queue["inputs"]["name"])
    ]
    (statement,) = policy_json(queue_policy)["Statement"]
    sources = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert sorted(s.rsplit("/", 1)[-1] for s in sources) == sorted(_approval_rules(plan))
    alarms = [
        a
        for a in of_type(plan, "aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["inputs"].get("namespace") == "AWS/SQS"
        and "promotion" in a["inputs"]["dimensions"]["QueueName"]
    ]
    assert [a["inputs"]["dimensions"]["QueueName"] for a in alarms] == ["mlops-prod-promotion-dlq"]


def _stack(tmp_path: Path, promotion: dict[str, Any]) -> Path:
    return write_stack(
        tmp_path,
        {
            **BASE_STACK,
            "mlops-platform:registry": {"models": [{"name": "fraud"}]},
            "mlops-platform:promotion": promotion,
        },
    )


@pytest.mark.parametrize(
    ("promotion", "message"),
    [
        (
            {"githubRepository": "acme/ml", "tokenSecret": SECRET_ARN, "models": ["churn"]},
            "promotion.models[0]: unknown model family 'churn'",
        ),
        (
            {"githubRepository": "acme/ml", "tokenSecret": "ghp_abcdefghijklmnop"},
            "promotion.tokenSecret: this is a GitHub token",
        ),
        (
            {
                "githubRepository": "acme/ml",
                "tokenSecret": SECRET_ARN.replace("eu-west-1", "us-east-1"),
            },
            "promotion.tokenSecret: the secret is in us-east-1, the stack in eu-west-1",
        ),
        ({"githubRepository": "acme/ml", "tokenSecret": SECRET_ARN, "token": "x"}, "token"),
    ],
)
def test_bad_promotion_config_is_one_line(
    tmp_path: Path, promotion: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_stack_file(_stack(tmp_path, promotion))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_promote_workflow_may_read_the_registry_with_the_preview_role(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (preview,) = [
        r for r in of_type(plan, "aws:iam/role:Role") if r["inputs"]["name"].endswith("ci-preview")
    ]
    (statement,) = policy_json(preview, "assumeRolePolicy")["Statement"]
    subjects = statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"]
    assert subjects == [
        "repo:acme/mlops-platform:pull_request",
        "repo:acme/mlops-platform:environment:promotion",
    ]
