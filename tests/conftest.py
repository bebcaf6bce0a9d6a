"""Shared fixtures: each shipped stack is planned once per test session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.plan import Plan, build_plan
from tests.stacks import stack_names

SHIPPED_STACKS = tuple(stack_names())


@pytest.fixture(scope="session")
def shipped_plan() -> Callable[[str], Plan]:
    """`shipped_plan("prod")`: the offline plan of a shipped stack, computed once."""
    cache: dict[str, Plan] = {}

    def get(stack: str) -> Plan:
        if stack not in cache:
            cache[stack] = build_plan(stack)
        return cache[stack]

    return get


@pytest.fixture(params=SHIPPED_STACKS)
def any_shipped_plan(request: pytest.FixtureRequest, shipped_plan: Callable[[str], Plan]) -> Plan:
    """Each shipped stack's plan in turn."""
    return shipped_plan(request.param)
