"""Data safety: stateful resources in prod survive a mistaken `pulumi destroy` or removal."""

from __future__ import annotations

from collections.abc import Iterator

from .core import MANDATORY, Resource
from .registry import rule
from .resource_types import STATEFUL_TYPES


@rule(name="prod-stateful-protected", level=MANDATORY, types=STATEFUL_TYPES)
def check_prod_protected(r: Resource, environment: str | None) -> Iterator[str]:
    """Stateful resources in prod are protected and retained on delete."""
    if environment != "prod":
        return
    unset = []
    if not r.protect:
        unset.append("protect")
    if r.retain_on_delete is False:
        unset.append("retainOnDelete")
    if unset:
        yield f"stateful resource in prod must set {' and '.join(unset)}"
