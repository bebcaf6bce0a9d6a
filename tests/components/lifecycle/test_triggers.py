"""Schedules, drift triggers and failure alarms of the shipped pipelines.

The drift rules' planned event patterns get real CloudWatch alarm state-change events
through moto's EventBridge (in-process `mock_aws`): the planned pattern is put as a rule
with a queue as its target, the sample events are put on the bus, and the queue shows which
ones matched. (moto 5.2's TestEventPattern API answers nothing, so the events take the path
a rule's events take.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.lifecycle.triggers import (
    ALARM_EVENT,
    DRIFT_METRIC_PREFIX,
    DRIFT_NAMESPACE,
    SCHEDULER_RUN_ID,
    START_PIPELINE_TARGET,
)
from infra.plan import Plan
from tests.helpers import of_type, policy_json

REGION = "eu-west-1"
ACCOUNT = "123456789012"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
PIPELINE = "aws:sagemaker/pipeline:Pipeline"
MONITORING_SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
MACHINE = "aws:sfn/stateMachine:StateMachine"
POLICY = "aws:iam/rolePolicy:RolePolicy"
# Roles that start pipelines: the scheduler's, and the drift state machine's.
TRIGGER_POLICIES = ("lifecycle-scheduler-role-policy", "lifecycle-drift-runs-role-policy")
# What else those roles hold: dead letters (scheduler); the machine's own data and logs.
OTHER_TRIGGER_GRANTS = (
    "DeadLetters",
    "EncryptDeadLetters",
    "UsePlatformKeyForItsExecutions",
    "DeliverExecutionLogs",
)
NOW = "2026-12-05T03:00:00.000+0000"


def alarm_event(alarm: str, state: str, previous: str = "OK") -> dict[str, Any]:
    """A CloudWatch Alarm State Change event as EventBridge delivers it."""
    arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{alarm}"
    return {
        "Source": "aws.cloudwatch",
        "DetailType": ALARM_EVENT,
        "Resources": [arn],
        "Detail": json.dumps(
            {
                "alarmName": alarm,
                "state": {"value": state, "reason": "Threshold Crossed", "timestamp": NOW},
                "previousState": {"value": previous, "reason": "", "timestamp": NOW},
                "configuration": {"metrics": []},
            }
        ),
    }


@pytest.fixture
def events() -> Iterator[tuple[Any, Any]]:
    with mock_aws():
        yield boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)


def matching(events: tuple[Any, Any], pattern: str, sent: list[dict[str, Any]]) -> list[int]:
    """Indexes of `sent` that a rule with `pattern` delivers to its target."""
    bus, sqs = events
    queue = sqs.create_queue(QueueName="probe")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    bus.put_rule(Name="probe", EventPattern=pattern)
    bus.put_targets(Rule="probe", Targets=[{"Id": "queue", "Arn": arn["QueueArn"]}])
    matched = []
    for index, event in enumerate(sent):
        assert bus.put_events(Entries=[event])["FailedEntryCount"] == 0
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        if messages:
            matched.append(index)
    bus.remove_targets(Rule="probe", Ids=["queue"])
    bus.delete_rule(Name="probe")
    sqs.delete_queue(QueueUrl=queue)
    return matched


def _drift_rules(plan: Plan) -> list[dict[str, Any]]:
    return [r for r in of_type(plan, RULE) if r["inputs"]["name"].endswith("-drift")]


def test_only_the_family_drift_alarm_entering_alarm_starts_retraining(
    shipped_plan: Any, events: tuple[Any, Any]
) -> None:
    plan = shipped_plan("prod")
    rules = _drift_rules(plan)
    assert len(rules) == 2
    for rule in rules:
        own = rule["inputs"]["name"]
        other = next(r["inputs"]["name"] for r in rules if r is not rule)
        sent = [
            alarm_event(own, "ALARM"),  # the one event that retrains
            alarm_event(own, "OK", previous="ALARM"),
            alarm_event(own, "INSUFFICIENT_DATA"),
            alarm_event(other, "ALARM"),
            alarm_event(f"{own}-copy", "ALARM"),
            {**alarm_event(own, "ALARM"), "Source": "custom.cloudwatch"},
        ]
        assert matching(events, rule["inputs"]["eventPattern"], sent) == [0], own


def test_drift_rules_start_the_drift_state_machine_for_their_family(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    pipelines = {r["inputs"]["pipelineName"] for r in of_type(plan, PIPELINE)}
    (machine,) = [m for m in of_type(plan, MACHINE) if m["name"] == "lifecycle-drift-runs-machine"]
    machine_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:mlops-prod-retrain-on-drift"
    assert machine["inputs"]["name"] == "mlops-prod-retrain-on-drift"
    started = json.loads(machine["inputs"]["definition"])["States"]["Locate"]["Assign"]
    for rule in _drift_rules(plan):
        (target,) = [t for t in of_type(plan, TARGET) if t["parent"] == rule["urn"]]
        family = rule["inputs"]["name"].removeprefix("mlops-prod-").removesuffix("-drift")
        assert target["inputs"]["arn"] == machine_arn
        assert json.loads(target["inputs"]["input"]) == {"family": family}
        assert target["inputs"]["retryPolicy"]["maximumRetryAttempts"] > 0
        # The machine starts that family's own retraining pipeline.
        assert started["pipelines"][family] == f"mlops-prod-{family}-retrain"
        assert started["pipelines"][family] in pipelines
    # EventBridge's role may start that machine, nothing else.
    (start,) = [p for p in of_type(plan, POLICY) if p["name"] == "lifecycle-drift-role-policy"]
    (statement,) = policy_json(start)["Statement"]
    assert (statement["Action"], statement["Resource"]) == ("states:StartExecution", machine_arn)


def test_drift_starts_that_fail_wait_in_the_trigger_dead_letter_queue(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    queue_name = "mlops-prod-pipeline-triggers-dlq"
    (queue,) = [
        q for q in of_type(plan, "aws:sqs/queue:Queue") if q["inputs"]["name"] == queue_name
    ]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}"
    rules = _drift_rules(plan)
    assert rules
    rule_arns = sorted(
        f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{r['inputs']['name']}" for r in rules
    )
    for rule in rules:
        (target,) = [t for t in of_type(plan, TARGET) if t["parent"] == rule["urn"]]
        assert target["inputs"]["deadLetterConfig"]["arn"] == queue_arn
    # The queue admits EventBridge for exactly those rules (a queue has one policy).
    (policy,) = [p for p in of_type(plan, "aws:sqs/queuePolicy:QueuePolicy")
                 if p["parent"] == queue["urn"]]  # fmt: skip
    (statement,) = policy_json(policy)["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert (statement["Action"], statement["Resource"]) == ("sqs:SendMessage", queue_arn)
    assert sorted(statement["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_arns


def test_drift_alarm_watches_model_monitor_metrics_of_the_family_endpoints(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    topic = plan.outputs["alertTopicArn"]
    config = {m.name: m for m in plan.config.registry.models}
    for rule in _drift_rules(plan):
        (alarm,) = [
            a for a in of_type(plan, ALARM) if a["inputs"]["name"] == rule["inputs"]["name"]
        ]
        family = rule["inputs"]["name"].removeprefix("mlops-prod-").removesuffix("-drift")
        pipeline = config[family].pipeline
        assert pipeline is not None
        inputs = alarm["inputs"]
        assert inputs["alarmActions"] == [topic]
        assert inputs["threshold"] == pipeline.drift_trigger.threshold
        metrics = [q["metric"] for q in inputs["metricQueries"] if "metric" in q]
        assert {m["metricName"] for m in metrics} == {
            f"{DRIFT_METRIC_PREFIX}{f}" for f in pipeline.drift_trigger.features
        }
        endpoints = {e.name for e in plan.config.serving.deployed() if e.model == family}
        for metric in metrics:
            assert metric["namespace"] == DRIFT_NAMESPACE
            endpoint = metric["dimensions"]["Endpoint"]
            assert endpoint.removeprefix("mlops-prod-") in endpoints
            assert metric["dimensions"]["MonitoringSchedule"] == f"{endpoint}-data-quality"
    schedules = {r["inputs"]["name"] for r in of_type(plan, MONITORING_SCHEDULE)}
    watched = {
        q["metric"]["dimensions"]["MonitoringSchedule"]
        for a in of_type(plan, ALARM)
        for q in a["inputs"].get("metricQueries", [])
        if "metric" in q and q["metric"]["namespace"] == DRIFT_NAMESPACE
    }
    assert watched and watched <= schedules  # only monitors the plan creates


def test_schedules_are_encrypted_retried_and_dead_lettered(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    pipelines = {r["inputs"]["pipelineName"] for r in of_type(plan, PIPELINE)}
    queues = {r["inputs"]["name"] for r in of_type(plan, "aws:sqs/queue:Queue")}
    for schedule in of_type(plan, SCHEDULE):
        inputs = schedule["inputs"]
        assert inputs["kmsKeyArn"] == plan.outputs["kmsKeyArn"]
        target = inputs["target"]
        assert target["arn"] == START_PIPELINE_TARGET
        assert target["retryPolicy"]["maximumRetryAttempts"] > 0
        # A queue's ARN ends in its name.
        assert target["deadLetterConfig"]["arn"].rsplit(":", 1)[-1] in queues
        request = json.loads(target["input"])
        assert request["PipelineName"] in pipelines
        # Each run writes its own folder: no scheduled run overwrites another's outputs.
        assert all(SCHEDULER_RUN_ID in p["Value"] for p in request["PipelineParameters"])
    for queue in of_type(plan, "aws:sqs/queue:Queue"):
        assert queue["inputs"]["kmsMasterKeyId"] == plan.outputs["kmsKeyArn"]
    assert sorted(s["inputs"]["name"] for s in of_type(plan, SCHEDULE)) == sorted(
        plan.outputs.get("pipelineScheduleNames", [])
    )


def test_dev_starts_pipelines_by_hand_only(shipped_plan: Any) -> None:
    plan = shipped_plan("dev")
    assert plan.outputs["pipelineNames"] == ["mlops-dev-fraud-detector-retrain"]
    assert of_type(plan, SCHEDULE) == []
    assert _drift_rules(plan) == []
    assert plan.outputs["pipelineScheduleNames"] == []


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_close_the_loop_for_two_families(shipped_plan: Any, stack: str) -> None:
    plan = shipped_plan(stack)
    retrain = [n for n in plan.outputs["pipelineNames"] if n.endswith("-retrain")]
    assert len(retrain) >= 2
    schedules = set(plan.outputs["pipelineScheduleNames"])
    drift = {r["inputs"]["name"] for r in _drift_rules(plan)}
    failed = {a["inputs"]["name"] for a in of_type(plan, ALARM)}
    for name in retrain:
        family = name.removeprefix(f"mlops-{stack}-").removesuffix("-retrain")
        assert name in schedules
        assert f"mlops-{stack}-{family}-drift" in drift
        assert f"{name}-failed" in failed
    if stack == "prod":
        assert "mlops-prod-churn-predictor-batch" in plan.outputs["pipelineNames"]
        assert "mlops-prod-churn-predictor-batch-failed" in failed


def test_trigger_roles_may_only_start_the_platform_pipelines(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    roles = [
        r for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy") if r["name"] in TRIGGER_POLICIES
    ]
    names = plan.outputs.get("pipelineNames", [])
    pipelines = {f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{n}" for n in names}
    for policy in roles:
        for statement in policy_json(policy)["Statement"]:
            if statement["Sid"] == "StartOwnPipelines":
                assert statement["Action"] == "sagemaker:StartPipelineExecution"
                assert set(statement["Resource"]) <= pipelines
            else:
                assert statement["Sid"] in OTHER_TRIGGER_GRANTS
