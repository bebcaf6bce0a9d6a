"""BaselineCopy in the plan: approvals of the stack's monitored families, and only those,
start a state machine whose role can write nowhere but the monitors' baseline prefix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.baselines.definition import copy_definition
from infra.plan import Plan, build_plan
from tests.ci_roles import ACCOUNT, REGION, principal
from tests.components.test_promotion import _event, _matches
from tests.helpers import BASE_STACK, of_type, policy_json, write_stack

MACHINE = "aws:sfn/stateMachine:StateMachine"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ROLE = "aws:iam/role:Role"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _one(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in of_type(plan, type_token) if r["name"] == name]
    return found


def _bucket_arn(plan: Plan) -> str:
    machine = _one(plan, MACHINE, "baseline-copy-machine")
    bucket = json.loads(machine["inputs"]["definition"])["States"]["CopyStatistics"]["Arguments"]
    return f"arn:aws:s3:::{bucket['Bucket']}"


def _copied_families(plan: Plan) -> list[str]:
    """Families whose endpoints capture data from the registry, from the stack file."""
    return sorted(
        {e.model for e in plan.config.serving.endpoints
         if e.data_capture_percent > 0 and e.model_data_url is None}
    )  # fmt: skip


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_only_approvals_of_the_stacks_monitored_families_start_the_copy(
    shipped_plan: Any, stack: str
) -> None:
    plan = shipped_plan(stack)
    rule = _one(plan, RULE, "baseline-copy-approved")
    pattern = json.loads(rule["inputs"]["eventPattern"])
    families = _copied_families(plan)
    assert families, "the shipped stack monitors no registry version"
    for family in families:
        group = f"mlops-{stack}-{family}"
        assert _matches(pattern, _event(group, "Approved"))
        assert not _matches(pattern, _event(group, "Rejected"))
        assert not _matches(pattern, _event(group, "PendingManualApproval"))
        other = "dev" if stack != "dev" else "prod"
        assert not _matches(pattern, _event(f"mlops-{other}-{family}", "Approved"))
    assert not _matches(pattern, _event(f"mlops-{stack}-someone-else", "Approved"))
    # The machine's own map of groups to families is the same set.
    definition = json.loads(_one(plan, MACHINE, "baseline-copy-machine")["inputs"]["definition"])
    families_map = definition["States"]["DescribeVersion"]["Assign"]["families"]
    assert families_map == {f"mlops-{stack}-{f}": f for f in families}


def test_the_deployed_definition_is_the_components(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    machine = _one(plan, MACHINE, "baseline-copy-machine")
    inputs = machine["inputs"]
    definition = json.loads(inputs["definition"])
    key = inputs["encryptionConfiguration"]["kmsKeyId"]
    bucket = _bucket_arn(plan).removeprefix("arn:aws:s3:::")
    families = definition["States"]["DescribeVersion"]["Assign"]["families"]
    assert definition == copy_definition(bucket, key, families)
    assert definition["QueryLanguage"] == "JSONata"
    assert inputs["type"] == "STANDARD"
    # Encrypted with the platform key, logging everything to a KMS-encrypted log group.
    assert inputs["encryptionConfiguration"]["type"] == "CUSTOMER_MANAGED_KMS_KEY"
    (log_group,) = [
        g for g in of_type(plan, "aws:cloudwatch/logGroup:LogGroup")
        if inputs["loggingConfiguration"]["logDestination"].startswith(f"arn:aws:logs:{REGION}")
        and inputs["loggingConfiguration"]["logDestination"].endswith(f"{g['inputs']['name']}:*")
    ]  # fmt: skip
    assert log_group["inputs"]["kmsKeyId"] == key
    assert inputs["loggingConfiguration"]["level"] == "ALL"
    # Copies are SSE-KMS with the same key.
    copy = definition["States"]["CopyStatistics"]["Arguments"]
    assert (copy["ServerSideEncryption"], copy["SSEKMSKeyId"]) == ("aws:kms", key)


def test_failures_reach_the_alert_topic(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    machine = _one(plan, MACHINE, "baseline-copy-machine")
    machine_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:mlops-prod-baseline-copy"
    (topic,) = [t for t in of_type(plan, "aws:sns/topic:Topic") if t["name"] == "monitoring-alerts"]
    failed = _one(plan, ALARM, "baseline-copy-failed")["inputs"]
    assert (failed["namespace"], failed["metricName"]) == ("AWS/States", "ExecutionsFailed")
    assert failed["dimensions"] == {"StateMachineArn": machine_arn}
    assert machine["inputs"]["name"] == "mlops-prod-baseline-copy"
    assert failed["alarmActions"] and failed["alarmActions"][0].endswith(topic["inputs"]["name"])
    # The rule retries, then dead-letters into an encrypted queue only it may write to.
    target = _one(plan, TARGET, "baseline-copy-start")["inputs"]
    assert target["arn"] == machine_arn
    assert target["retryPolicy"]["maximumRetryAttempts"] > 0
    queue = _one(plan, "aws:sqs/queue:Queue", "baseline-copy-dlq")["inputs"]
    assert target["deadLetterConfig"]["arn"].endswith(":" + queue["name"])
    assert queue["kmsMasterKeyId"] == machine["inputs"]["encryptionConfiguration"]["kmsKeyId"]
    (statement,) = policy_json(
        _one(plan, "aws:sqs/queuePolicy:QueuePolicy", "baseline-copy-dlq-policy")
    )["Statement"]
    (source,) = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert source.endswith("/mlops-prod-baseline-copy")
    dlq_alarm = _one(plan, ALARM, "baseline-copy-dlq-alarm")["inputs"]
    assert dlq_alarm["dimensions"] == {"QueueName": queue["name"]}
    names = plan.document()["outputs"]["alarmNames"]
    assert {"mlops-prod-baseline-copy-failed", "mlops-prod-baseline-copy-dlq"} <= set(names)


def test_the_copy_role_writes_only_the_monitors_baselines(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    role = principal(plan, _one(plan, ROLE, "baseline-copy-role"))
    bucket = _bucket_arn(plan)
    context = {"aws:RequestedRegion": REGION}
    for family in _copied_families(plan):
        for name in ("statistics.json", "constraints.json"):
            assert role.allows("s3:PutObject", f"{bucket}/baselines/{family}/12/{name}", context)
            run = f"{bucket}/pipelines/{family}/runs/abc/baseline/{name}"
            assert role.allows("s3:GetObject", run, context)
            assert not role.allows("s3:PutObject", run, context)
        group = f"mlops-prod-{family}"
        package = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/12"
        assert role.allows("sagemaker:DescribeModelPackage", package, context)
    for key in (
        "models/fraud-detector/model.tar.gz",
        "pipelines/fraud-detector/code/preprocess.py",
        "baselines.json",
        "data-capture/fraud/x.jsonl",
        "baselines/someone-else/1/statistics.json",
    ):
        assert not role.allows("s3:PutObject", f"{bucket}/{key}", context), key
    assert not role.allows("s3:PutObject", "arn:aws:s3:::another-bucket/baselines/x", context)
    assert not role.allows("s3:GetObject", f"{bucket}/models/fraud-detector/model.tar.gz", context)
    other_group = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/mlops-staging-fraud/1"
    assert not role.allows("sagemaker:DescribeModelPackage", other_group, context)
    assert not role.allows("sagemaker:UpdateModelPackage", other_group, context)
    # The key (tagged with its stack) only through S3, never directly.
    key_arn = _one(plan, MACHINE, "baseline-copy-machine")["inputs"]["encryptionConfiguration"]
    key_context = {**context, "aws:ResourceTag/stack": "prod"}
    via_s3 = {**key_context, "kms:ViaService": f"s3.{REGION}.amazonaws.com"}
    assert role.allows("kms:Decrypt", key_arn["kmsKeyId"], via_s3)
    assert not role.allows("kms:Decrypt", key_arn["kmsKeyId"], key_context)


def test_only_its_state_machine_assumes_the_role_and_only_the_rule_starts_it(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    machine_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:mlops-prod-baseline-copy"
    (trust,) = json.loads(_one(plan, ROLE, "baseline-copy-role")["inputs"]["assumeRolePolicy"])[
        "Statement"
    ]
    assert trust["Principal"] == {"Service": "states.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": machine_arn},
    }
    start = principal(plan, _one(plan, ROLE, "baseline-copy-start-role"))
    context = {"aws:RequestedRegion": REGION}
    assert start.allows("states:StartExecution", machine_arn, context)
    other = machine_arn.replace("baseline-copy", "other")
    assert not start.allows("states:StartExecution", other, context)
    assert not start.allows("states:StopExecution", machine_arn, context)


def _plan(tmp_path: Path, data_quality: dict[str, Any]) -> Plan:
    stack = {
        **BASE_STACK,
        "mlops-platform:registry": {"models": [{"name": "fraud"}], "images": [{"name": "srv"}]},
        "mlops-platform:serving": {
            "endpoints": [
                {
                    "name": "fraud",
                    "model": "fraud",
                    "image": "srv",
                    "instanceType": "ml.c6i.xlarge",
                    "dataCapturePercent": 10,
                }
            ]
        },
        "mlops-platform:monitoring": {"dataQuality": data_quality},
    }
    return build_plan("test", write_stack(tmp_path, stack))


def test_a_pending_endpoint_gets_its_first_versions_baseline_and_it_can_be_switched_off(
    tmp_path: Path,
) -> None:
    # Declared, nothing pinned yet: the first approval must already be copied.
    plan = _plan(tmp_path, {})
    (machine,) = of_type(plan, MACHINE)
    families = json.loads(machine["inputs"]["definition"])["States"]["DescribeVersion"]
    assert families["Assign"]["families"] == {"mlops-test-fraud": "fraud"}
    for off in ({"copyRegisteredBaselines": False}, {"baseline": False}):
        assert of_type(_plan(tmp_path, off), MACHINE) == []


def test_dev_copies_nothing(shipped_plan: Any) -> None:
    # Dev's endpoint captures no data: no monitor reads a baseline.
    assert of_type(shipped_plan("dev"), MACHINE) == []
