"""Per-endpoint alarms: 5xx errors, p99 model latency, failed invocations.

Their names are deterministic so the endpoint's auto-rollback can name them without
depending on the alarms, which themselves watch the endpoint: no dependency cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from .args import MonitoredEndpointArgs
from .thresholds import DEFAULT_THRESHOLDS, EndpointAlarmThresholds

__all__ = [
    "DEFAULT_THRESHOLDS",
    "EndpointAlarmNames",
    "EndpointAlarmThresholds",
    "endpoint_alarm_names",
    "endpoint_alarms",
    "metric_alarm",
]


@dataclass(frozen=True)
class EndpointAlarmNames:
    """Physical names of one endpoint's alarms."""

    errors_5xx: str
    latency_p99: str
    invocation_errors: str

    def all(self) -> list[str]:
        return [self.errors_5xx, self.latency_p99, self.invocation_errors]


def endpoint_alarm_names(endpoint_name: str) -> EndpointAlarmNames:
    """The alarm names of the endpoint with physical name `endpoint_name`."""
    return EndpointAlarmNames(
        errors_5xx=f"{endpoint_name}-5xx-errors",
        latency_p99=f"{endpoint_name}-model-latency-p99",
        invocation_errors=f"{endpoint_name}-invocation-errors",
    )


def metric_alarm(
    resource_name: str,
    alarm_name: str,
    deployment: Deployment,
    *,
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
    **kwargs: Any,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm that notifies the alert topic when it fires and when it clears."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        # No traffic is not an incident; the rollback alarms must not block deployments.
        treat_missing_data="notBreaching",
        tags=deployment.tagged(alarm_name),
        opts=pulumi.ResourceOptions(parent=parent),
        **kwargs,
    )


def _alarm_specs(
    endpoint: MonitoredEndpointArgs, names: EndpointAlarmNames
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(logical suffix, alarm name, description, metric settings) of each alarm."""
    limits = endpoint.thresholds
    shown = endpoint.endpoint_name
    return [
        (
            "5xx",
            names.errors_5xx,
            f"{shown}: 5xx responses (rolls back deployments)",
            {
                "metric_name": "Invocation5XXErrors",
                "statistic": "Sum",
                "threshold": limits.max_5xx_errors,
            },
        ),
        (
            "latency",
            names.latency_p99,
            f"{shown}: p99 model latency above {limits.latency_p99_ms} ms (rolls back deployments)",
            # ModelLatency is reported in microseconds.
            {
                "metric_name": "ModelLatency",
                "extended_statistic": "p99",
                "threshold": limits.latency_p99_ms * 1000,
            },
        ),
        (
            "invocation-errors",
            names.invocation_errors,
            f"{shown}: failed model invocations (rolls back deployments)",
            {
                "metric_name": "InvocationModelErrors",
                "statistic": "Sum",
                "threshold": limits.max_invocation_errors,
            },
        ),
    ]


def endpoint_alarms(
    name: str,
    endpoint: MonitoredEndpointArgs,
    deployment: Deployment,
    *,
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    """The endpoint's three alarms, named by `endpoint_alarm_names`."""
    names = endpoint_alarm_names(endpoint.endpoint_name)
    limits = endpoint.thresholds
    common: dict[str, Any] = {
        "namespace": "AWS/SageMaker",
        "dimensions": {"EndpointName": endpoint.endpoint, "VariantName": endpoint.variant_name},
        "period": 60,
        "evaluation_periods": limits.evaluation_minutes,
        "comparison_operator": "GreaterThanThreshold",
    }
    prefix = f"{name}-{endpoint.logical_key}"
    return [
        metric_alarm(
            f"{prefix}-{suffix}",
            alarm_name,
            deployment,
            topic=topic,
            parent=parent,
            alarm_description=description,
            **metric,
            **common,
        )
        for suffix, alarm_name, description, metric in _alarm_specs(endpoint, names)
    ]
