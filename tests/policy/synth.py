"""Synthetic resources for rule tests, registered through the real pulumi_aws classes.

Building test resources with the provider SDK under the same mocks as the plan
(`record_resources`) means their inputs have exactly the camelCase shape the engine (and the
policy pack) sees.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from infra.plan import record_resources
from policy.rules import RULES_BY_NAME, Finding, Resource, evaluate

TAGS = {"environment": "dev", "owner": "ml-platform", "cost-center": "4711"}
PROD_TAGS = {**TAGS, "environment": "prod"}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/mock"


def record(program: Callable[[], object]) -> list[Resource]:
    """Run `program` under the plan's mocks; the custom resources it registered."""
    registrations, _ = record_resources(program, stack="t")
    return [Resource.from_plan(r) for r in registrations if r["custom"]]


def findings_of(rule: str, resources: Sequence[Resource], environment: str) -> list[Finding]:
    """The findings of one registered rule, looked up by name in the registry."""
    return evaluate(resources, environment, [RULES_BY_NAME[rule]])


def doc(*statements: dict) -> str:
    """A policy document as the JSON text providers take."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass(frozen=True)
class Case:
    """A program and what one rule must say about it in an environment."""

    rule: str
    environment: str
    program: Callable[[], object]
    expect: str | None = None  # None: passes; else a substring of the finding
    resource: str | None = None  # logical name the finding points at (default: any)


def case_id(case: Case) -> str:
    return f"{case.rule}-{case.environment}-{'fail' if case.expect else 'pass'}"


def check_case(case: Case) -> None:
    """Run the case's program and assert the rule's verdict through the registry."""
    resources = record(case.program)
    assert resources, "the program registered nothing"
    findings = findings_of(case.rule, resources, case.environment)
    if case.expect is None:
        assert findings == []
        return
    assert findings, f"{case.rule} found nothing"
    assert any(case.expect in f.message for f in findings), [f.message for f in findings]
    assert {f.level for f in findings} == {RULES_BY_NAME[case.rule].level}
    urns = {r.urn for r in resources}
    assert all(f.urn in urns for f in findings)
    if case.resource is not None:
        assert any(f.urn.endswith(f"::{case.resource}") for f in findings), findings
