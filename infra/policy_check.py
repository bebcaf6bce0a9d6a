"""Offline evaluation of the policy pack's rules over a plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Plan


def evaluate_policies(plan: Plan) -> list[dict[str, Any]]:
    """[{"policy", "level": "mandatory|advisory", "urn", "message"}]."""
    return []
