"""Offline evaluation of the policy pack's rules over a plan.

The rules are the pack's own (`policy.rules`): the plan sees every input resolved by the
mocks, so a rule the pack would skip during preview because a value is unknown is decided
here already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policy.rules import Resource, evaluate

if TYPE_CHECKING:
    from .plan import Plan


def evaluate_policies(plan: Plan) -> list[dict[str, Any]]:
    """[{"policy", "level": "mandatory|advisory", "urn", "message"}], mandatory first."""
    resources = [Resource.from_plan(r) for r in plan.resources if r.get("custom", True)]
    return [finding.as_dict() for finding in evaluate(resources, plan.environment)]
