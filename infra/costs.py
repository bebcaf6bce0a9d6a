"""Monthly cost estimate of a plan (filled per resource type from the price table)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Plan


def estimate_cost(plan: Plan) -> dict[str, Any]:
    """{"monthlyUsd": total, "items": [{"urn", "usd", "basis"}]}."""
    return {"monthlyUsd": 0.0, "items": []}
