"""Model-quality checks against ground truth: a valid definition, a schedule, an alarm."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from components.monitoring import ModelQualityArgs, alert_event_pattern
from infra.config import ConfigError, load_stack_file
from infra.plan import Plan
from tests.helpers import BASE_STACK, of_type, policy_json, write_stack

from .common import SCHEDULE, build, fraud, monitoring_args, of

STACK = "aws:cloudformation/stack:Stack"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
QUALITY = ModelQualityArgs(
    labels_prefix="ground-truth/fraud/",
    problem_type="BinaryClassification",
    inference_attribute="is_fraud",
    metric="f1",
    threshold=0.8,
    higher_is_worse=False,
)


def _template(stack: dict[str, Any]) -> dict[str, Any]:
    return json.loads(stack["inputs"]["templateBody"])


def _lint(template: dict[str, Any]) -> list[str]:
    """cfn-lint (AWS's resource specification) on the template, with the mocks' ids of
    subnets and the security group swapped for ids of the real format."""
    text = json.dumps(template)
    text = re.sub(r'"network-private-\d+-id"', '"subnet-0123456789abcdef0"', text)
    text = re.sub(r'"mlops-[a-z0-9-]+-model-monitor-id"', '"sg-0123456789abcdef0"', text)
    return [str(m) for m in lint(text, config=ManualArgs(regions=["eu-west-1"]))]


def test_prod_checks_fraud_model_quality_with_a_valid_definition(shipped_plan: Any) -> None:
    plan: Plan = shipped_plan("prod")
    (stack,) = of_type(plan, STACK)
    template = _template(stack)
    (resource,) = template["Resources"].values()
    assert resource["Type"] == "AWS::SageMaker::ModelQualityJobDefinition"
    props = resource["Properties"]
    assert props["JobDefinitionName"] == stack["inputs"]["name"]
    assert props["ModelQualityAppSpecification"]["ProblemType"] == "BinaryClassification"
    job_input = props["ModelQualityJobInput"]
    assert job_input["EndpointInput"]["EndpointName"] == "mlops-prod-fraud"
    assert job_input["GroundTruthS3Input"]["S3Uri"].endswith("/ground-truth/fraud/")
    assert props["NetworkConfig"]["EnableNetworkIsolation"] is True
    assert props["ModelQualityJobOutputConfig"]["KmsKeyId"].startswith("arn:aws:kms:")
    assert props["JobResources"]["ClusterConfig"]["VolumeKmsKeyId"].startswith("arn:aws:kms:")
    assert _lint(template) == []
    # The linter would notice a problem type SageMaker does not know.
    props["ModelQualityAppSpecification"]["ProblemType"] = "Binary"
    assert any("E3030" in m for m in _lint(template))

    schedules = {s["inputs"]["name"]: s["inputs"] for s in of_type(plan, SCHEDULE)}
    config = schedules["mlops-prod-fraud-model-quality"]["monitoringScheduleConfig"]
    assert config["monitoringType"] == "ModelQuality"
    assert config["monitoringJobDefinitionName"] == stack["inputs"]["name"]


def test_alarm_on_the_metric_notifies_the_alert_topic(shipped_plan: Any) -> None:
    plan: Plan = shipped_plan("prod")
    (alarm,) = [a["inputs"] for a in of_type(plan, ALARM) if "model-quality" in a["name"]]
    assert alarm["namespace"] == "aws/sagemaker/Endpoints/model-metrics"
    assert (alarm["metricName"], alarm["threshold"]) == ("f1", 0.8)
    assert alarm["comparisonOperator"] == "LessThanThreshold"
    assert alarm["dimensions"] == {
        "EndpointName": "mlops-prod-fraud",
        "MonitoringScheduleName": "mlops-prod-fraud-model-quality",
    }
    (topic,) = of_type(plan, "aws:sns/topic:Topic")
    assert alarm["alarmActions"] == [
        f"arn:aws:sns:eu-west-1:123456789012:topic/{topic['inputs']['name']}"
    ]
    assert alarm["name"] in plan.outputs["alarmNames"]


def test_error_metrics_alarm_when_they_rise() -> None:
    regression = ModelQualityArgs(
        labels_prefix="ground-truth/price/",
        problem_type="Regression",
        inference_attribute="price",
        metric="rmse",
        threshold=12.5,
        higher_is_worse=True,
    )
    resources = build(monitoring_args(endpoints=[fraud(model_quality=regression)]))
    (alarm,) = [a for a in of(resources, ALARM) if "model-quality" in a["name"]]
    assert alarm["inputs"]["comparisonOperator"] == "GreaterThanThreshold"


def test_role_reads_the_labels_and_rules_watch_the_schedule() -> None:
    resources = build(monitoring_args(endpoints=[fraud(model_quality=QUALITY)]))
    (grant,) = [
        r for r in resources
        if r["type"] == "aws:iam/rolePolicy:RolePolicy" and "monitor" in r["name"]
    ]  # fmt: skip
    statements = {s["Sid"]: s for s in policy_json(grant)["Statement"]}
    assert any(
        r.endswith("/ground-truth/fraud/*")
        for r in statements["ReadCapturedDataAndBaselines"]["Resource"]
    )
    listed = statements["ListCapturedData"]["Condition"]["StringLike"]["s3:prefix"]
    assert "ground-truth/fraud/*" in listed
    schedules = {s["inputs"]["name"] for s in of(resources, SCHEDULE)}
    assert schedules == {"mlops-unit-fraud-data-quality", "mlops-unit-fraud-model-quality"}
    rule = next(
        r for r in resources if r["inputs"].get("name") == "mlops-unit-model-monitor-failures"
    )
    arns = json.loads(rule["inputs"]["eventPattern"])["detail"]["MonitoringScheduleArn"]
    assert any(a.endswith("/mlops-unit-fraud-model-quality") for a in arns)
    assert alert_event_pattern("failures", arns)["detail"]["MonitoringScheduleArn"] == arns


def test_no_ground_truth_no_model_quality(shipped_plan: Any) -> None:
    for stack in ("dev", "staging"):
        plan = shipped_plan(stack)
        assert not of_type(plan, STACK)
        assert not [a for a in of_type(plan, ALARM) if "model-quality" in a["name"]]


def test_a_changed_definition_gets_a_new_name() -> None:
    first = build(monitoring_args(endpoints=[fraud(model_quality=QUALITY)]))
    other = ModelQualityArgs(**{**QUALITY.__dict__, "inference_attribute": "label"})
    second = build(monitoring_args(endpoints=[fraud(model_quality=other)]))
    (a,), (b,) = of(first, STACK), of(second, STACK)
    assert a["inputs"]["name"] != b["inputs"]["name"]
    assert a["name"] == b["name"]  # same logical name: Pulumi replaces, create first


def _stack(tmp_path: Path, endpoint: dict[str, Any]) -> Path:
    return write_stack(
        tmp_path,
        {
            **BASE_STACK,
            "mlops-platform:registry": {
                "models": [{"name": "fraud"}],
                "images": [{"name": "fraud-serving"}],
            },
            "mlops-platform:serving": {
                "endpoints": [
                    {"name": "fraud", "model": "fraud", "image": "fraud-serving",
                     "instanceType": "ml.m5.large", "modelPackageVersion": 3, **endpoint}
                ]
            },
        },
    )  # fmt: skip


TRUTH = {
    "labelsPrefix": "ground-truth/fraud/",
    "problemType": "BinaryClassification",
    "inferenceAttribute": "is_fraud",
    "threshold": 0.8,
}


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ({"groundTruth": TRUTH}, "serving.endpoints[0].groundTruth: model-quality monitoring"),
        (
            {"dataCapturePercent": 5, "groundTruth": {**TRUTH, "metric": "rmse"}},
            "'rmse' is not a BinaryClassification metric",
        ),
        (
            {"dataCapturePercent": 5, "groundTruth": {**TRUTH, "labelsPrefix": "/abs"}},
            "groundTruth.labelsPrefix",
        ),
    ],
)
def test_bad_ground_truth_is_one_line(
    tmp_path: Path, endpoint: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_stack_file(_stack(tmp_path, endpoint))
    assert message in str(error.value)
    assert "\n" not in str(error.value)
