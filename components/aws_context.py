"""Account, region and partition of the deploying credentials, looked up once per program."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AwsIdentity:
    """Identity facts resources need in ARNs and policies."""

    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]


# This program run's identity, with the event loop its Outputs belong to (a test process
# runs many programs, each in its own loop). Each lookup is three invokes, each a round
# trip through a worker thread; a dozen components ask for the same answer.
_IDENTITY: ContextVar[tuple[asyncio.AbstractEventLoop, AwsIdentity] | None] = ContextVar(
    "aws_identity", default=None
)


def _lookup() -> AwsIdentity:
    return AwsIdentity(
        account_id=aws.get_caller_identity_output().account_id,
        region=aws.get_region_output().region,
        partition=aws.get_partition_output().partition,
    )


def aws_identity() -> AwsIdentity:
    """Look up the caller's account, region and partition (once per program run)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _lookup()
    cached = _IDENTITY.get()
    if cached is None or cached[0] is not loop:
        cached = (loop, _lookup())
        _IDENTITY.set(cached)
    return cached[1]
