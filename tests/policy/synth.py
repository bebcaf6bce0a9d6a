"""Synthetic resources for rule tests, registered through the real pulumi_aws classes.

Building test resources with the provider SDK under the same mocks as the plan means their
inputs have exactly the camelCase shape the engine (and the policy pack) sees.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence

import pulumi

from infra.mocks import PlatformMocks
from infra.plan import RecordingMonitor
from policy.rules import RULES_BY_NAME, Finding, Resource, evaluate

TAGS = {"environment": "dev", "owner": "ml-platform", "cost-center": "4711"}
PROD_TAGS = {**TAGS, "environment": "prod"}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/mock"


def record(program: Callable[[], object]) -> list[Resource]:
    """Run `program` under the plan's mocks; the custom resources it registered."""

    def isolated() -> list[Resource]:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        mocks = PlatformMocks()
        monitor = RecordingMonitor(mocks)
        pulumi.runtime.set_mocks(mocks, project="t", stack="t", preview=False, monitor=monitor)
        pulumi.runtime.set_all_config({})

        @pulumi.runtime.test
        def run() -> None:
            program()

        try:
            run()
        finally:
            loop.close()
        return [Resource.from_plan(r) for r in monitor.registrations if r["custom"]]

    return contextvars.copy_context().run(isolated)


def findings_of(rule: str, resources: Sequence[Resource], environment: str) -> list[Finding]:
    return evaluate(resources, environment, [RULES_BY_NAME[rule]])
