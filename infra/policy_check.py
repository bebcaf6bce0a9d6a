"""Offline evaluation of the policy pack's rules over a plan, with the stack's suppressions.

The rules are the pack's own (`policy.rules`): the plan sees every input resolved by the
mocks, so a rule the pack would skip during preview because a value is unknown is decided
here already. Suppressions (`mlops-platform:policy`) are matched exactly as the pack
matches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policy.rules import Resource, Suppression, apply_suppressions, evaluate

if TYPE_CHECKING:
    from .plan import Plan


@dataclass
class PolicyReport:
    """Findings that stand, suppressed ones (with `reason`), and suppressions by index that
    match no resource of the plan (`unmatched`) or no finding (`idle`)."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[tuple[int, Suppression]] = field(default_factory=list)
    idle: list[tuple[int, Suppression]] = field(default_factory=list)


def stack_suppressions(plan: Plan) -> list[Suppression]:
    return [Suppression(s.rule, s.resource, s.reason) for s in plan.config.policy.suppressions]


def check_policies(plan: Plan) -> PolicyReport:
    """Every rule over the plan's resources, with the stack file's suppressions applied."""
    resources = [Resource.from_plan(r) for r in plan.resources if r.get("custom", True)]
    suppressions = stack_suppressions(plan)
    standing, suppressed = apply_suppressions(evaluate(resources, plan.environment), suppressions)
    report = PolicyReport(
        findings=[f.as_dict() for f in standing], suppressed=[f.as_dict() for f in suppressed]
    )
    for index, suppression in enumerate(suppressions):
        if not any(suppression.matches_urn(r.urn) for r in resources):
            report.unmatched.append((index, suppression))
        elif not any(suppression.matches(f.policy, f.urn) for f in suppressed):
            report.idle.append((index, suppression))
    return report


def evaluate_policies(plan: Plan) -> list[dict[str, Any]]:
    """[{"policy", "level": "mandatory|advisory", "urn", "message"}] that the stack file does
    not suppress, mandatory first."""
    return check_policies(plan).findings
