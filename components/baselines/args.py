"""Inputs of the baseline copy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi


@dataclass
class BaselineCopyArgs:
    """Inputs of BaselineCopy.

    Args:
        model_package_groups: Model family -> its model package group name: the versions
            whose approvals are copied.
        source_prefixes: Model family -> key prefix in the artifact bucket where its
            pipeline writes drift-check baselines (`pipelines/<family>/`); the copy reads
            nowhere else.
        artifact_bucket_name: Bucket holding both the registered and the copied baselines.
        artifact_bucket_arn: ARN of that bucket.
        kms_key_arn: Platform key: the bucket's objects, the state machine, its log group
            and the dead-letter queue.
        alert_topic_arn: Topic the failure and dead-letter alarms notify.
        log_retention_days: Retention of the state machine's log group.
        max_retry_attempts: EventBridge retries of a failed StartExecution.
        max_event_age_seconds: Retry for at most this long, then dead-letter.
    """

    model_package_groups: Mapping[str, pulumi.Input[str]]
    source_prefixes: Mapping[str, str]
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str]
    log_retention_days: int
    max_retry_attempts: int = 10
    max_event_age_seconds: int = 3600

    def __post_init__(self) -> None:
        if not self.model_package_groups:
            raise ValueError("BaselineCopy needs at least one model family")
        missing = sorted(set(self.model_package_groups) - set(self.source_prefixes))
        if missing:
            raise ValueError(f"no baseline source prefix for families {missing}")
