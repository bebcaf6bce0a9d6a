"""Where a component is deployed: naming, tags and data-safety options, defined once."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

# Tag naming the stack a resource belongs to: set on every taggable resource from
# `Deployment.stack`, and the key that scopes the CI roles to their own stack's resources.
STACK_TAG = "stack"


@dataclass(frozen=True)
class Deployment:
    """The deployment every component belongs to.

    Args:
        stack: Pulumi stack name; part of every physical name.
        environment: dev, staging or prod.
        region: AWS region the stack deploys to.
        tags: Tags every taggable resource carries (environment, owner, cost-center, ...).
        protect_stateful: Put `protect` and `retain_on_delete` on resources holding data.
        kms_deletion_window_days: Days AWS waits before deleting a KMS key scheduled for
            deletion (7-30); the longer, the more time to cancel a mistake.
        eks_deletion_protection: EKS refuses to delete the cluster while this is on.
        name_prefix: Prefix of physical names; short, since AWS limits many names to 32-64.
        permissions_boundary_arn: Permissions boundary every IAM role of the platform gets:
            the stack's own (`PermissionsBoundary`) or one the organisation mandates.
    """

    stack: str
    environment: str
    region: str
    tags: Mapping[str, str] = field(default_factory=dict)
    protect_stateful: bool = False
    kms_deletion_window_days: int = 30
    eks_deletion_protection: bool = False
    name_prefix: str = "mlops"
    permissions_boundary_arn: pulumi.Input[str] | None = None

    def name(self, *parts: str) -> str:
        """Physical name `mlops-<stack>-<parts>`."""
        return "-".join((self.name_prefix, self.stack, *parts))

    def bucket_name(self, purpose: str, account_id: str) -> str:
        """`mlops-<stack>-<purpose>-<account>`: globally unique, deterministic, <= 63 characters.

        S3 names are global, so the account id keeps two accounts deploying the same stack
        name apart. Long stack names are shortened with a hash so the name stays stable.
        """
        base = re.sub(r"[^a-z0-9-]", "-", self.name(purpose).lower())
        name = f"{base}-{account_id}"
        if len(name) <= 63:
            return name
        digest = f"{zlib.crc32(base.encode()):08x}"
        head = base[: 63 - len(account_id) - len(digest) - 2].rstrip("-")
        return f"{head}-{digest}-{account_id}"

    def tagged(self, name: str | None = None, **extra: str) -> dict[str, str]:
        """The deployment's tags, plus a `Name` tag and any extras.

        Tags are set on each resource rather than through provider default tags, which
        keeps them visible in the plan and in `pulumi preview` diffs.
        """
        tags = {**self.tags, STACK_TAG: self.stack}
        if name:
            tags["Name"] = name
        tags.update(extra)
        return tags

    def stateful(self, parent: pulumi.Resource, **kwargs: object) -> pulumi.ResourceOptions:
        """Options for a resource holding data: in prod, never deleted by Pulumi."""
        return pulumi.ResourceOptions(
            parent=parent,
            protect=self.protect_stateful,
            retain_on_delete=self.protect_stateful,
            **kwargs,  # type: ignore[arg-type]
        )
