"""`mlops-platform:policy` — findings of the policy rules the stack file suppresses.

A suppression silences one rule on one resource and must say why in writing; the offline
plan reports the finding as suppressed (with the reason) instead of failing, and the policy
pack (which reads the same key from the stack's config) does the same. The rule names come
from the rule registry (`policy.rules`, standard library only), so a typo in a rule name is
an error here, not a silently ignored suppression.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from policy.rules import RULES_BY_NAME
from policy.rules.suppressions import MIN_REASON_LENGTH, reason_problem

from .base import ConfigModel, rule_error

RULE_NAMES = tuple(RULES_BY_NAME)


class Suppression(ConfigModel):
    """One finding silenced: rule, resource and a written reason."""

    rule: str = Field(
        description="Name of the policy rule (see the README's policy table).",
        json_schema_extra={"enum": list(RULE_NAMES)},
    )
    resource: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="Logical name of the resource, or a longer suffix of its URN "
        "(`<type>::<name>`, or the whole URN) when the name is not unique."
    )
    reason: str = Field(
        description=f"Why the finding is accepted (at least {MIN_REASON_LENGTH} characters); "
        "shown with the suppressed finding in every plan and preview.",
        json_schema_extra={"minLength": MIN_REASON_LENGTH},
    )

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        if rule not in RULES_BY_NAME:
            raise ValueError(f"unknown policy rule '{rule}' (rules: {', '.join(RULE_NAMES)})")
        return rule

    @field_validator("reason")
    @classmethod
    def _written_reason(cls, reason: str) -> str:
        problem = reason_problem(reason)
        if problem:
            raise ValueError(f"{problem} (got {len(reason.strip())})")
        return reason.strip()


class PolicyConfig(ConfigModel):
    """Policy findings the stack accepts, each with its reason."""

    suppressions: list[Suppression] = Field(
        default_factory=list,
        description="Findings to report as suppressed instead of failing the plan/preview.",
    )

    @field_validator("suppressions")
    @classmethod
    def _one_per_rule_and_resource(cls, suppressions: list[Suppression]) -> list[Suppression]:
        seen: dict[tuple[str, str], int] = {}
        for index, entry in enumerate(suppressions):
            key = (entry.rule, entry.resource)
            if key in seen:
                raise rule_error(
                    f"[{index}]",
                    f"duplicate suppression of '{entry.rule}' on '{entry.resource}' "
                    f"(already at [{seen[key]}])",
                )
            seen[key] = index
        return suppressions
