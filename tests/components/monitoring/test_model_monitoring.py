"""Data-quality checks against the served version's baseline, and their alerts."""

from __future__ import annotations

from typing import Any

import pytest

from components.monitoring import model_monitor_image
from infra.plan import Plan
from tests.helpers import of_type, policy_json

from .common import (
    JOB,
    SCHEDULE,
    build,
    monitoring_args,
)


def test_data_quality_job_and_schedule_per_capturing_endpoint(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    capturing = [e for e in plan.config.serving.deployed() if e.data_capture_percent > 0]
    jobs = {j["inputs"]["name"]: j["inputs"] for j in of_type(plan, JOB)}
    schedules = of_type(plan, SCHEDULE)
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
    assert len(of_type(shipped_plan("prod"), SCHEDULE)) == 3
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
