"""The rule registry: each rule registers itself with its name, level, types and a one-line
description, and both runners (the policy pack and the offline plan) build from it.

    @rule(name="kms-key-rotation", level=MANDATORY, types={KMS_KEY})
    def check_kms_rotation(r: Resource, environment: str | None) -> Iterator[str]:
        # docstring: "Symmetric KMS keys rotate their key material."
        ...

A resource rule's check yields messages about one resource; a stack rule (`@stack_rule`)
sees every resource at once (a bucket and its configuration resources) and yields
(urn, message). The description is the check's docstring's first line unless given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .core import ADVISORY, MANDATORY, Finding, Level, Resource

ResourceCheck = Callable[[Resource, str | None], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], str | None], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class ResourceRule:
    """A rule about one resource at a time: `check(resource, environment)` yields messages."""

    name: str
    description: str
    level: Level
    check: ResourceCheck
    types: frozenset[str] | None = None  # None: every type

    def applies_to(self, resource_type: str) -> bool:
        return self.types is None or resource_type in self.types

    def evaluate(self, resource: Resource, environment: str | None) -> list[str]:
        if not self.applies_to(resource.type):
            return []
        return list(self.check(resource, environment))


@dataclass(frozen=True)
class StackRule:
    """A rule that needs several resources: `check(resources, environment)` yields
    (urn, message)."""

    name: str
    description: str
    level: Level
    check: StackCheck

    def evaluate(
        self, resources: Sequence[Resource], environment: str | None
    ) -> list[tuple[str, str]]:
        return list(self.check(resources, environment))


Rule = ResourceRule | StackRule

# Every registered rule by name, in registration order (the order of the pack's policies).
REGISTRY: dict[str, Rule] = {}


def _register(entry: Rule) -> None:
    if entry.name in REGISTRY:
        raise ValueError(f"policy rule '{entry.name}' is registered twice")
    if entry.level not in (MANDATORY, ADVISORY):
        raise ValueError(f"policy rule '{entry.name}': unknown level '{entry.level}'")
    if not entry.description or "\n" in entry.description:
        raise ValueError(f"policy rule '{entry.name}' needs a one-line description")
    REGISTRY[entry.name] = entry


def _summary(check: Callable[..., object], description: str | None) -> str:
    if description is not None:
        return description
    return (check.__doc__ or "").strip().split("\n", 1)[0].strip()


def rule(
    *,
    name: str,
    level: Level,
    types: Iterable[str] | None = None,
    description: str | None = None,
) -> Callable[[ResourceCheck], ResourceCheck]:
    """Register a resource rule; `types`: the type tokens it applies to (None: every type)."""

    def register(check: ResourceCheck) -> ResourceCheck:
        kinds = frozenset(types) if types is not None else None
        _register(ResourceRule(name, _summary(check, description), level, check, kinds))
        return check

    return register


def stack_rule(
    *, name: str, level: Level, description: str | None = None
) -> Callable[[StackCheck], StackCheck]:
    """Register a rule over the whole stack's resources."""

    def register(check: StackCheck) -> StackCheck:
        _register(StackRule(name, _summary(check, description), level, check))
        return check

    return register


def evaluate(
    resources: Sequence[Resource],
    environment: str | None,
    rules: Sequence[Rule] | None = None,
) -> list[Finding]:
    """Every finding of `rules` (default: every registered rule), sorted mandatory first."""
    findings: list[Finding] = []
    for entry in REGISTRY.values() if rules is None else rules:
        if isinstance(entry, StackRule):
            for urn, message in entry.evaluate(resources, environment):
                findings.append(Finding(entry.name, entry.level, urn, message))
            continue
        for resource in resources:
            for message in entry.evaluate(resource, environment):
                findings.append(Finding(entry.name, entry.level, resource.urn, message))
    order = {MANDATORY: 0, ADVISORY: 1}
    findings.sort(key=lambda f: (order[f.level], f.policy, f.urn, f.message))
    return findings
