"""Suppressions: a finding on one resource silenced by the stack file, with a written reason.

    mlops-platform:policy:
      suppressions:
        - rule: iam-no-full-access-managed-policies
          resource: ci-access-deploy-managed-0
          reason: Fork-only deploy role; SageMaker full access until #42 scopes it.

`resource` is the resource's logical name, or a longer suffix of its URN (`<type>::<name>`,
the parent's type chain, or the whole URN) when a name is not unique. The stack-config
schema checks suppressions strictly (known rule, reason of at least
`MIN_REASON_LENGTH` characters); both runners (the policy pack and `mlops-platform plan`)
use the matching here, so a suppression silences the same findings in both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .core import Finding

CONFIG_KEY = "mlops-platform:policy"
MIN_REASON_LENGTH = 20


@dataclass(frozen=True)
class Suppression:
    """Silence `rule`'s findings on `resource`, because of `reason`."""

    rule: str
    resource: str
    reason: str

    def matches_urn(self, urn: str) -> bool:
        """The URN is the resource's, or ends with it after a `::` or `$` separator."""
        target = self.resource
        return urn == target or urn.endswith(f"::{target}") or urn.endswith(f"${target}")

    def matches(self, policy: str, urn: str) -> bool:
        return policy == self.rule and self.matches_urn(urn)


def reason_problem(reason: Any) -> str | None:
    """Why `reason` is not a written reason, None when it is one."""
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        return f"a suppression needs a written reason of at least {MIN_REASON_LENGTH} characters"
    return None


def suppressions_from_config(value: Any) -> list[Suppression]:
    """Suppressions of the `mlops-platform:policy` config value (a mapping or its JSON text).

    An entry without a rule, a resource or a written reason suppresses nothing: the
    stack-config schema rejects such a stack file before anything is deployed.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    entries = value.get("suppressions") if isinstance(value, Mapping) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        rule, resource, reason = (entry.get(k) for k in ("rule", "resource", "reason"))
        if (
            isinstance(rule, str)
            and isinstance(resource, str)
            and resource
            and isinstance(reason, str)
            and reason_problem(reason) is None
        ):
            found.append(Suppression(rule, resource, reason.strip()))
    return found


def suppression_for(
    suppressions: Iterable[Suppression], policy: str, urn: str
) -> Suppression | None:
    """The first suppression silencing `policy`'s findings on `urn`."""
    return next((s for s in suppressions if s.matches(policy, urn)), None)


def apply_suppressions(
    findings: Sequence[Finding], suppressions: Sequence[Suppression]
) -> tuple[list[Finding], list[Finding]]:
    """(findings that stand, suppressed findings carrying their suppression's reason)."""
    standing: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        match = suppression_for(suppressions, finding.policy, finding.urn)
        if match is None:
            standing.append(finding)
        else:
            suppressed.append(replace(finding, reason=match.reason))
    return standing, suppressed
