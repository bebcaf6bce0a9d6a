"""Physical names of stack resources that preflight must check before they exist."""

from __future__ import annotations

from components import Deployment
from components.feature_store import ROLE_NAME_PART

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


def stack_marker_role(stack: str) -> str:
    """An IAM role every deployed stack has and `pulumi destroy` deletes (the feature store's,
    `mlops-<stack>-feature-store`): its buckets are retained on delete, so a bucket without
    it was kept from a destroyed stack."""
    return Deployment(stack=stack, environment="", region="").name(ROLE_NAME_PART)
