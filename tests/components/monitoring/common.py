"""What the Monitoring tests share: a component run in isolation and its arguments."""

from __future__ import annotations

from typing import Any

from components import Deployment, Monitoring, MonitoringArgs
from components.monitoring import MonitoredEndpointArgs
from infra.plan import record_resources

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
JOB = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ADDON = "aws:eks/addon:Addon"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"

DEPLOYMENT = Deployment(stack="unit", environment="staging", region="eu-west-1")
KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"
BASELINE = "baselines/fraud-detector/12/"


def fraud(**overrides: Any) -> MonitoredEndpointArgs:
    values: dict[str, Any] = {
        "endpoint_name": "mlops-unit-fraud",
        "endpoint": "mlops-unit-fraud",
        "data_capture_uri": "s3://mlops-unit-artifacts/data-capture/mlops-unit-fraud",
        "baseline_prefix": BASELINE,
    }
    values.update(overrides)
    return MonitoredEndpointArgs(**values)


def monitoring_args(**overrides: Any) -> MonitoringArgs:
    values: dict[str, Any] = {
        "kms_key_arn": KEY,
        "dashboard_name": "mlops-unit-platform",
        "endpoints": [fraud()],
        "alert_emails": ["oncall@example.com"],
        "artifact_bucket_name": "mlops-unit-artifacts",
        "artifact_bucket_arn": "arn:aws:s3:::mlops-unit-artifacts",
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-a", "subnet-b"],
    }
    values.update(overrides)
    return MonitoringArgs(**values)


def build(args: MonitoringArgs) -> list[dict[str, Any]]:
    """Registrations of one Monitoring component run under the platform mocks."""
    return record_resources(lambda: Monitoring("monitoring", args, DEPLOYMENT), stack="unit")[0]


def of(resources: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == type_token]
