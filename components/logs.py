"""Encrypted CloudWatch log groups with retention, the one way the platform keeps logs."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .context import Deployment


def encrypted_log_group(
    resource_name: str,
    deployment: Deployment,
    *,
    log_group_name: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    aliases: Sequence[pulumi.Alias] = (),
) -> aws.cloudwatch.LogGroup:
    """A KMS-encrypted log group with retention; protected and retained in prod.

    `aliases`: earlier URNs of the group (a moved group keeps its data).
    """
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=log_group_name,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        tags=deployment.tagged(),
        opts=deployment.stateful(parent, aliases=list(aliases) or None),
    )
