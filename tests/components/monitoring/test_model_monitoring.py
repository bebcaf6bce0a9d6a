"""Data-quality checks against the served version's baseline, and their alerts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.monitoring import alert_event_pattern, model_monitor_image
from infra.plan import Plan
from tests.helpers import of_type, policy_json

from .common import (
    BASELINE,
    JOB,
    RULE,
    SCHEDULE,
    TARGET,
    build,
    fraud,
    monitoring_args,
    of,
)


def test_data_quality_job_and_schedule_per_capturing_endpoint(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    capturing = [e for e in plan.config.serving.deployed() if e.data_capture_percent > 0]
    jobs = {j["inputs"]["name"]: j["inputs"] for j in of_type(plan, JOB)}
    schedules = [
        s
        for s in of_type(plan, SCHEDULE)
        if s["inputs"]["monitoringScheduleConfig"]["monitoringType"] == "DataQuality"
    ]
    assert len(jobs) == len(schedules) == len(capturing)
    key = plan.outputs["kmsKeyArn"]
    bucket = f"mlops-{plan.stack}-artifacts-123456789012"
    private = plan.outputs["privateSubnetIds"]
    for config in capturing:
        physical = f"mlops-{plan.stack}-{config.name}"
        schedule = next(s for s in schedules if s["inputs"]["name"] == f"{physical}-data-quality")
        config_in = schedule["inputs"]["monitoringScheduleConfig"]
        assert config_in["monitoringType"] == "DataQuality"
        assert config_in["scheduleConfig"]["scheduleExpression"] == (
            plan.config.monitoring.data_quality.schedule
        )
        job = jobs[config_in["monitoringJobDefinitionName"]]
        assert job["name"].startswith(f"{physical}-dq-")
        assert job["dataQualityJobInput"]["endpointInput"]["endpointName"] == physical
        assert job["roleArn"].endswith(f":role/mlops-{plan.stack}-model-monitor")
        assert job["jobResources"]["clusterConfig"]["volumeKmsKeyId"] == key
        output = job["dataQualityJobOutputConfig"]
        assert output["kmsKeyId"] == key
        assert output["monitoringOutputs"]["s3Output"]["s3Uri"] == (
            f"s3://{bucket}/monitoring/{physical}/data-quality"
        )
        network = job["networkConfig"]
        assert network["enableNetworkIsolation"] is True
        assert network["enableInterContainerTrafficEncryption"] is True
        assert network["vpcConfig"]["subnets"] == private
        spec = job["dataQualityAppSpecification"]
        assert spec["imageUri"] == model_monitor_image("eu-west-1")
        assert spec["environment"] == {"publish_cloudwatch_metrics": "Enabled"}
        # The baseline of the very version the endpoint serves.
        version = f"baselines/{config.model}/{config.model_package_version}/"
        baseline = job["dataQualityBaselineConfig"]
        assert baseline["statisticsResource"]["s3Uri"] == f"s3://{bucket}/{version}statistics.json"
        assert baseline["constraintsResource"]["s3Uri"] == (
            f"s3://{bucket}/{version}constraints.json"
        )


def test_prod_monitors_data_quality_of_all_three_endpoints(shipped_plan: Any) -> None:
    data_quality = [
        s
        for s in of_type(shipped_plan("prod"), SCHEDULE)
        if s["inputs"]["monitoringScheduleConfig"]["monitoringType"] == "DataQuality"
    ]
    assert len(data_quality) == 3
    assert of_type(shipped_plan("dev"), SCHEDULE) == []


def test_model_monitor_role_is_least_privilege(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (policy,) = [
        r
        for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if r["name"] == "monitoring-monitor-role-policy"
    ]
    statements = policy_json(policy)["Statement"]
    for statement in statements:
        actions = statement["Action"]
        actions = actions if isinstance(actions, list) else [actions]
        assert all("*" not in a for a in actions)
    by_sid = {s["Sid"]: s for s in statements}
    assert (
        by_sid["WriteReports"]["Resource"]
        == "arn:aws:s3:::mlops-prod-artifacts-123456789012/monitoring/*"
    )


def test_data_quality_needs_bucket_and_network() -> None:
    with pytest.raises(ValueError, match="artifact bucket"):
        build(monitoring_args(artifact_bucket_name=None))


def test_unknown_region_has_no_model_monitor_image() -> None:
    with pytest.raises(ValueError, match="no Model Monitor analyzer image"):
        model_monitor_image("xx-nowhere-1")


# -- only with a baseline; a new version brings its own -----------------------------------


def test_no_schedule_for_an_endpoint_without_a_baseline() -> None:
    resources = build(monitoring_args(endpoints=[fraud(baseline_prefix=None)]))
    assert of(resources, JOB) == of(resources, SCHEDULE) == of(resources, RULE) == []
    policy = json.loads(
        next(r for r in resources if r["type"] == "aws:sns/topicPolicy:TopicPolicy")["inputs"][
            "policy"
        ]
    )
    assert "EventRulesPublish" not in {s["Sid"] for s in policy["Statement"]}


def test_a_new_version_gets_a_new_definition_under_a_new_name() -> None:
    (old,) = of(build(monitoring_args()), JOB)
    (new,) = of(build(monitoring_args(endpoints=[fraud(baseline_prefix="baselines/f/13/")])), JOB)
    assert old["urn"] == new["urn"]
    assert old["inputs"]["name"] != new["inputs"]["name"]
    assert new["inputs"]["dataQualityBaselineConfig"]["statisticsResource"]["s3Uri"] == (
        "s3://mlops-unit-artifacts/baselines/f/13/statistics.json"
    )
    # Same content, same name: no spurious replacement.
    (again,) = of(build(monitoring_args()), JOB)
    assert again["inputs"]["name"] == old["inputs"]["name"]


def test_job_reads_exactly_its_baseline() -> None:
    resources = build(monitoring_args())
    (policy,) = [
        r
        for r in of(resources, "aws:iam/rolePolicy:RolePolicy")
        if r["name"] == "monitoring-monitor-role-policy"
    ]
    reads = {s["Sid"]: s for s in policy_json(policy)["Statement"]}["ReadCapturedDataAndBaselines"]
    assert f"arn:aws:s3:::mlops-unit-artifacts/{BASELINE}*" in reads["Resource"]


# -- violations and failed runs reach the alert topic ---------------------------------------

SCHEDULE_ARN = (
    "arn:aws:sagemaker:eu-west-1:123456789012:monitoring-schedule/mlops-unit-fraud-data-quality"
)


def _event(status: str, message: str | None, schedule: str = SCHEDULE_ARN) -> dict[str, Any]:
    """A processing-job state change as SageMaker sends it for a monitoring run."""
    detail: dict[str, Any] = {
        "ProcessingJobName": "model-monitoring-202612021300-3a1b2c3d4e5f6a7b8c9d0e1f",
        "ProcessingJobArn": "arn:aws:sagemaker:eu-west-1:123456789012:processing-job/"
        "model-monitoring-202612021300-3a1b2c3d4e5f6a7b8c9d0e1f",
        "ProcessingJobStatus": status,
        "MonitoringScheduleArn": schedule,
        "Environment": {"publish_cloudwatch_metrics": "Enabled"},
    }
    if message is not None:
        detail["ExitMessage"] = message
    return {
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "SageMaker Processing Job State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2026-12-02T13:21:04Z",
        "region": "eu-west-1",
        "resources": [detail["ProcessingJobArn"]],
        "detail": detail,
    }


def _matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Does EventBridge deliver `event` to a rule with `pattern`?

    moto 5.2's TestEventPattern API answers nothing, so this asks moto's matcher directly:
    the one its PutEvents routes events to rules with.
    """
    from moto.events.models import EventPattern

    return EventPattern.load(json.dumps(pattern)).matches_event(event)


def test_violations_rule_fires_for_any_feature_of_its_schedules_only() -> None:
    pattern = alert_event_pattern("violations", [SCHEDULE_ARN])
    found = "CompletedWithViolations: Job completed successfully with 3 violations."
    assert _matches(pattern, _event("Completed", found))
    assert not _matches(pattern, _event("Completed", "Completed: Job completed successfully."))
    assert not _matches(pattern, _event("Completed", found, SCHEDULE_ARN.replace("fraud", "x")))


def test_failures_rule_fires_on_failed_runs() -> None:
    pattern = alert_event_pattern("failures", [SCHEDULE_ARN])
    assert _matches(pattern, _event("Failed", None))
    assert not _matches(pattern, _event("Completed", "Completed: Job completed successfully."))


def test_rules_target_the_topic_which_lets_only_them_publish() -> None:
    resources = build(monitoring_args())
    rules = {r["inputs"]["name"]: r for r in of(resources, RULE)}
    assert set(rules) == {
        "mlops-unit-model-monitor-violations",
        "mlops-unit-model-monitor-failures",
    }
    (schedule,) = of(resources, SCHEDULE)
    pattern = json.loads(rules["mlops-unit-model-monitor-violations"]["inputs"]["eventPattern"])
    assert pattern["detail"]["MonitoringScheduleArn"] == [
        f"arn:aws:sagemaker:eu-west-1:123456789012:monitoring-schedule/{schedule['inputs']['name']}"
    ]
    targets = of(resources, TARGET)
    assert len(targets) == 2
    assert {t["inputs"]["arn"] for t in targets} == {
        "arn:aws:sns:eu-west-1:123456789012:topic/mlops-unit-alerts"
    }
    policy = json.loads(
        next(r for r in resources if r["type"] == "aws:sns/topicPolicy:TopicPolicy")["inputs"][
            "policy"
        ]
    )
    allowed = {s["Sid"]: s for s in policy["Statement"]}["EventRulesPublish"]
    assert allowed["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(allowed["Condition"]["ArnEquals"]["aws:SourceArn"]) == sorted(
        f"arn:aws:events:eu-west-1:123456789012:rule/{name}" for name in rules
    )


def test_platform_key_lets_eventbridge_publish_to_the_encrypted_topic(shipped_plan: Any) -> None:
    (key,) = of_type(shipped_plan("prod"), "aws:kms/key:Key")
    statements = {s["Sid"]: s for s in policy_json(key)["Statement"]}
    principals = statements["AlarmsPublishToEncryptedTopic"]["Principal"]["Service"]
    assert "events.amazonaws.com" in principals
