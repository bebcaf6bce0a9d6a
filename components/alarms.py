"""Alarms that page on the first occurrence: one failed execution, one parked event.

The platform's failure signals are counts that should stay at zero (failed state-machine
or pipeline executions, messages in a dead-letter queue). Each gets the same alarm: any
datapoint of one or more in a five-minute period goes to the alert topic; no datapoint
means nothing happened, not that something is broken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .context import Deployment

PERIOD_SECONDS = 300


@dataclass(frozen=True)
class CountMetric:
    """A CloudWatch metric whose every non-zero value is an incident.

    Args:
        namespace: e.g. `AWS/States`, `AWS/SQS`, `AWS/Sagemaker/ModelBuildingPipeline`.
        metric_name: e.g. `ExecutionsFailed`, `ApproximateNumberOfMessagesVisible`.
        dimensions: The dimensions that pick one machine, queue or pipeline.
        statistic: `Sum` for events counted per period, `Maximum` for a level (queue depth).
    """

    namespace: str
    metric_name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    statistic: str = "Sum"


def first_occurrence_alarm(
    resource_name: str,
    deployment: Deployment,
    *,
    alarm_name: str,
    description: str,
    metric: CountMetric,
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.cloudwatch.MetricAlarm:
    """An alarm to the alert topic as soon as the metric reaches one in a period."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        alarm_description=description,
        namespace=metric.namespace,
        metric_name=metric.metric_name,
        dimensions=dict(metric.dimensions),
        statistic=metric.statistic,
        period=PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        tags=deployment.tagged(alarm_name),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
