"""What starts a pipeline, and what tells someone when a run fails.

- A schedule per pipeline (EventBridge Scheduler, universal target
  `sagemaker:startPipelineExecution`): retries, a KMS-encrypted dead-letter queue, the
  schedule itself encrypted with the platform key. Each run writes under its own folder
  (`<aws.scheduler.execution-id>`), so no run overwrites another's outputs.
- A drift trigger per family: Model Monitor's data-quality jobs publish
  `feature_baseline_drift_<feature>` to CloudWatch; an alarm on the largest watched drift
  notifies the alert topic, and an EventBridge rule on that alarm entering ALARM starts
  the family's pipeline through the drift state machine (`drift_runs`), each run in its
  own folder.
- A failed-executions alarm per pipeline (SageMaker Pipelines' own CloudWatch metrics),
  notifying the alert topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ..alarms import CountMetric, first_occurrence_alarm
from ..aws_context import AwsIdentity
from ..context import Deployment
from ..iam import ServiceRole
from ..output_values import concat
from .args import DriftArgs

START_PIPELINE_TARGET = "arn:aws:scheduler:::aws-sdk:sagemaker:startPipelineExecution"
# A unique id of each invocation, substituted by EventBridge Scheduler in the target input.
SCHEDULER_RUN_ID = "<aws.scheduler.execution-id>"
# Where Model Monitor publishes per-feature metrics of real-time endpoints, and the
# dimensions it uses (the endpoint and its monitoring schedule).
DRIFT_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
DRIFT_METRIC_PREFIX = "feature_baseline_drift_"
# SageMaker Pipelines' execution metrics, per pipeline.
PIPELINE_NAMESPACE = "AWS/Sagemaker/ModelBuildingPipeline"
ALARM_EVENT = "CloudWatch Alarm State Change"
# Retries of a trigger whose target call fails (throttling, a pipeline being updated).
RETRIES = {"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 3}
# CloudWatch metric math takes at most 10 metrics per alarm.
MAX_ALARM_METRICS = 10


def start_pipeline_input(pipeline_name: str, parameters: Mapping[str, str]) -> str:
    """The StartPipelineExecution request a schedule sends."""
    return json.dumps(
        {
            "PipelineName": pipeline_name,
            "PipelineExecutionDescription": "Started by its schedule",
            "PipelineParameters": [{"Name": k, "Value": v} for k, v in parameters.items()],
        }
    )


def pipeline_schedule(
    name: str,
    deployment: Deployment,
    *,
    pipeline_name: str,
    expression: str,
    parameters: pulumi.Output[dict[str, str]],
    role: ServiceRole,
    queue_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.scheduler.Schedule:
    """Start `pipeline_name` on `expression` (UTC), with retries and a dead-letter queue."""
    return aws.scheduler.Schedule(
        f"{name}-schedule",
        name=pipeline_name,
        description=f"Runs the {pipeline_name} pipeline",
        schedule_expression=expression,
        schedule_expression_timezone="UTC",
        flexible_time_window={"mode": "OFF"},
        kms_key_arn=kms_key_arn,
        state="ENABLED",
        target={
            "arn": START_PIPELINE_TARGET,
            "role_arn": role.arn,
            "input": parameters.apply(lambda p: start_pipeline_input(pipeline_name, p)),
            "retry_policy": RETRIES,
            "dead_letter_config": {"arn": queue_arn},
        },
        # Scheduler checks nothing at creation; the first run needs the role's policy.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )


def failed_executions_alarm(
    name: str,
    deployment: Deployment,
    *,
    pipeline_name: str,
    topic_arn: pulumi.Input[str],
    depends_on: pulumi.Resource,
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when any execution of the pipeline fails (however it was started)."""
    return first_occurrence_alarm(
        f"{name}-failed",
        deployment,
        alarm_name=f"{pipeline_name}-failed",
        description=f"An execution of pipeline {pipeline_name} failed",
        metric=CountMetric(PIPELINE_NAMESPACE, "ExecutionFailed", {"PipelineName": pipeline_name}),
        topic_arn=topic_arn,
        parent=parent,
        depends_on=[depends_on],
    )


def drift_queries(drift: DriftArgs) -> list[dict[str, Any]]:
    """Metric math: the largest watched drift over the family's monitored endpoints."""
    metrics = [
        {
            "id": f"m{i}",
            "return_data": False,
            "metric": {
                "namespace": DRIFT_NAMESPACE,
                "metric_name": f"{DRIFT_METRIC_PREFIX}{feature}",
                "dimensions": {"Endpoint": endpoint, "MonitoringSchedule": schedule},
                "period": 3600,
                "stat": "Maximum",
            },
        }
        for i, (feature, (endpoint, schedule)) in enumerate(
            (f, m) for f in drift.features for m in drift.monitors
        )
    ]
    if not metrics or len(metrics) > MAX_ALARM_METRICS:
        raise ValueError(
            f"a drift alarm watches 1-{MAX_ALARM_METRICS} metrics (features x endpoints), "
            f"got {len(metrics)}"
        )
    ids = ", ".join(f"m{i}" for i in range(len(metrics)))
    return [
        *metrics,
        {
            "id": "drift",
            "expression": f"MAX([{ids}])",
            "label": "Largest drift",
            "return_data": True,
        },
    ]


def drift_alarm_name(deployment: Deployment, family: str) -> str:
    """Fixed, so the rule's event pattern can name the alarm's ARN up front."""
    return deployment.name(family, "drift")


def drift_event_pattern(alarm_arn: str) -> dict[str, Any]:
    """The drift alarm, and only it, entering ALARM (not OK, not INSUFFICIENT_DATA)."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": [ALARM_EVENT],
        "resources": [alarm_arn],
        "detail": {"state": {"value": ["ALARM"]}},
    }


def drift_trigger(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    *,
    family: str,
    drift: DriftArgs,
    machine_arn: pulumi.Input[str],
    role: ServiceRole,
    topic_arn: pulumi.Input[str],
    dead_letter_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[aws.cloudwatch.MetricAlarm, aws.cloudwatch.EventRule]:
    """The family's drift alarm (to the topic) and the rule that retrains on it, through the
    drift state machine (`drift_runs`), which gives each run its own folder; a start that
    still fails after the retries waits in the dead-letter queue."""
    alarm_name = drift_alarm_name(deployment, family)
    alarm = aws.cloudwatch.MetricAlarm(
        f"{name}-drift",
        name=alarm_name,
        alarm_description=f"Baseline drift of {family}'s features over {drift.threshold}: "
        "retraining started",
        metric_queries=drift_queries(drift),
        evaluation_periods=drift.evaluation_periods,
        threshold=drift.threshold,
        comparison_operator="GreaterThanThreshold",
        # No monitoring run in the period says nothing about drift.
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        tags=deployment.tagged(alarm_name),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    alarm_arn = concat(
        "arn:", ident.partition, ":cloudwatch:", ident.region, ":", ident.account_id,
        f":alarm:{alarm_name}",
    )  # fmt: skip
    rule = aws.cloudwatch.EventRule(
        f"{name}-drift-rule",
        name=alarm_name,
        description=f"Retrains {family} when its drift alarm fires",
        event_pattern=alarm_arn.apply(lambda arn: json.dumps(drift_event_pattern(arn))),
        tags=deployment.tagged(alarm_name),
        opts=pulumi.ResourceOptions(parent=alarm),
    )
    aws.cloudwatch.EventTarget(
        f"{name}-drift-retrain",
        rule=rule.name,
        arn=machine_arn,
        role_arn=role.arn,
        input=json.dumps({"family": family}),
        retry_policy=RETRIES,
        dead_letter_config={"arn": dead_letter_arn},
        opts=pulumi.ResourceOptions(parent=rule, depends_on=role.ready),
    )
    return alarm, rule
