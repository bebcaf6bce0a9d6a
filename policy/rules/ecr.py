"""ECR: repositories scan on push and never move a tag to another image."""

from __future__ import annotations

from collections.abc import Iterator

from .core import MANDATORY, Resource, is_true, is_unknown
from .registry import rule
from .resource_types import ECR_REPOSITORY


@rule(name="ecr-scan-on-push", level=MANDATORY, types={ECR_REPOSITORY})
def check_ecr_scan_on_push(r: Resource, environment: str | None) -> Iterator[str]:
    """ECR repositories scan images on push."""
    scan = r.get("imageScanningConfiguration", "scanOnPush")
    if not is_unknown(scan) and not is_true(scan):
        yield "repository must scan images on push (imageScanningConfiguration.scanOnPush)"


@rule(name="ecr-immutable-tags", level=MANDATORY, types={ECR_REPOSITORY})
def check_ecr_immutable_tags(r: Resource, environment: str | None) -> Iterator[str]:
    """ECR repositories have immutable image tags."""
    mutability = r.get("imageTagMutability")
    if not is_unknown(mutability) and mutability not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield "repository must have imageTagMutability 'IMMUTABLE' (a tag names one image)"
