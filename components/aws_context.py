"""Account, region and partition of the deploying credentials, looked up once per program."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsIdentity:
    """Identity facts resources need in ARNs and policies."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]


def aws_identity() -> AwsIdentity:
    """Look up the caller's account, region and partition."""
    return AwsIdentity(
        account_id=aws.get_caller_identity_output().account_id,
        region=aws.get_region_output().region,
        partition=aws.get_partition_output().partition,
    )
