"""Physical names of stack resources that preflight must check before they exist."""

from __future__ import annotations

from components import Deployment

# Purposes of the buckets a stack creates whose names must be globally unique.
BUCKET_PURPOSES = ("features", "artifacts")


def stack_bucket_name(stack: str, purpose: str, account_id: str) -> str:
    """`mlops-<stack>-<purpose>-<accountId>`: the bucket the program creates for `purpose`.

    The same rule the components name their buckets with (`Deployment.bucket_name`); only
    the stack name matters to it.
    """
    return Deployment(stack=stack, environment="", region="").bucket_name(purpose, account_id)


def stack_bucket_names(stack: str, account_id: str) -> list[str]:
    """Every globally unique bucket name the stack will claim."""
    return [stack_bucket_name(stack, purpose, account_id) for purpose in BUCKET_PURPOSES]
