"""Typed inputs of the Lifecycle component: retraining pipelines and batch transforms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi


@dataclass
class DriftArgs:
    """Retraining on drift: an alarm on Model Monitor's per-feature drift metrics.

    Args:
        monitors: (endpoint name, monitoring schedule name) of each endpoint of the family
            that a data-quality schedule checks (the metrics' dimensions).
        features: Features whose `feature_baseline_drift_<feature>` metric is watched.
        threshold: Drift distance that raises the alarm.
        evaluation_periods: Consecutive hourly periods over the threshold.
    """

    monitors: Sequence[tuple[str, str]]
    features: Sequence[str]
    threshold: float
    evaluation_periods: int = 2


@dataclass
class PipelineArgs:
    """One family's retraining pipeline.

    Args:
        family: Model family; the pipeline is `<stack prefix>-<family>-retrain`.
        model_package_group_name: Physical package group the pipeline registers into.
        training_image: Framework image that trains (from the catalog).
        inference_image: Framework image the registered version serves with.
        quality_check_image: Model Monitor analyzer image (data-quality baseline).
        input_bucket_arn: Bucket of the training data (feature store or artifact bucket).
        input_bucket_name: Its name.
        input_prefix: Key prefix of the training data: the role reads only below it.
        training_instance_type: Training instance type.
        training_instance_count: Training instances.
        processing_instance_type: Instance type of processing, evaluation, quality check.
        hyperparameters: Training hyperparameters (strings).
        metric_name: Training job metric a version must reach.
        metric_threshold: Value it must reach.
        comparison: greaterThanOrEqualTo or lessThanOrEqualTo.
        metric_regex: Regex reading the metric from the training log; None for images
            that emit it themselves.
        max_runtime_seconds: Longest any job of the pipeline runs.
        schedule_expression: EventBridge Scheduler expression; None: started by hand.
        drift: Retraining on drift; None for none.
    """

    family: str
    model_package_group_name: str
    training_image: str
    inference_image: str
    quality_check_image: str
    input_bucket_arn: pulumi.Input[str]
    input_bucket_name: pulumi.Input[str]
    input_prefix: pulumi.Input[str]
    metric_name: str
    metric_threshold: float
    comparison: Literal["greaterThanOrEqualTo", "lessThanOrEqualTo"] = "greaterThanOrEqualTo"
    metric_regex: str | None = None
    training_instance_type: str = "ml.m5.xlarge"
    training_instance_count: int = 1
    processing_instance_type: str = "ml.m5.xlarge"
    hyperparameters: Mapping[str, str] = field(default_factory=dict)
    max_runtime_seconds: int = 7200
    schedule_expression: str | None = None
    drift: DriftArgs | None = None


@dataclass
class BatchArgs:
    """One family's scheduled batch transform.

    Args:
        family: Model family; the pipeline is `<stack prefix>-<family>-batch`.
        model_package_arn: The version pinned for the stack (an Approved package version).
        input_prefix: Prefix in the artifact bucket the transform reads.
        output_prefix: Prefix in the artifact bucket it writes (a folder per run).
        instance_type: Transform instance type.
        instance_count: Transform instances.
        max_runtime_seconds: Longest one record batch may take (transform timeout).
        schedule_expression: EventBridge Scheduler expression; None: started by hand.
    """

    family: str
    model_package_arn: pulumi.Input[str]
    input_prefix: str
    output_prefix: str
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    max_runtime_seconds: int = 3600
    schedule_expression: str | None = None


@dataclass
class LifecycleArgs:
    """Inputs of a Lifecycle.

    Args:
        kms_key_arn: Platform key: job volumes and outputs, queues, schedules.
        artifact_bucket_name: Bucket of pipeline artifacts, models and batch data.
        artifact_bucket_arn: Its ARN.
        vpc_id: VPC of the jobs' network interfaces.
        subnet_ids: Private subnets the jobs run in.
        alert_topic_arn: Topic that failed runs and drift alarms notify.
        log_retention_days: Retention of the drift state machine's log group.
        pipelines: Retraining pipelines.
        batches: Batch transforms.
    """

    kms_key_arn: pulumi.Input[str]
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    alert_topic_arn: pulumi.Input[str]
    log_retention_days: int = 90
    pipelines: Sequence[PipelineArgs] = ()
    batches: Sequence[BatchArgs] = ()
