"""Tagging: every taggable resource says which environment, owner and cost center it is for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from ..taggable_types import TAGGABLE_TYPES
from .core import MANDATORY, Resource, is_unknown, missing
from .registry import rule

REQUIRED_TAGS = ("environment", "owner", "cost-center")


def is_taggable(resource_type: str) -> bool:
    return resource_type in TAGGABLE_TYPES


@rule(name="required-tags", level=MANDATORY, types=TAGGABLE_TYPES)
def check_required_tags(r: Resource, environment: str | None) -> Iterator[str]:
    """Every taggable resource carries the environment, owner and cost-center tags."""
    tags = r.tags
    if is_unknown(tags):
        return
    tags = tags if isinstance(tags, Mapping) else {}
    absent = [k for k in REQUIRED_TAGS if not is_unknown(tags.get(k)) and missing(tags.get(k))]
    if absent:
        yield f"missing required tags: {', '.join(absent)}"
    tagged = tags.get("environment")
    if environment and isinstance(tagged, str) and tagged and tagged != environment:
        yield f"tag environment='{tagged}' does not match the stack's environment '{environment}'"
