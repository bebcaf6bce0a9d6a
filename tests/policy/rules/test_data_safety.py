"""Data safety: stateful resources in prod are protected and retained."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from ..synth import TAGS, Case, case_id, check_case


def log_group(days: int | None, protect: bool = False, retain: bool = False):
    return lambda: aws.cloudwatch.LogGroup(
        "logs",
        retention_in_days=days,
        tags=TAGS,
        opts=pulumi.ResourceOptions(protect=protect, retain_on_delete=retain),
    )


CASES = [
    Case("prod-stateful-protected", "prod", log_group(365, protect=True, retain=True)),
    Case("prod-stateful-protected", "dev", log_group(14)),
    Case("prod-stateful-protected", "prod", log_group(365), "protect and retainOnDelete", "logs"),
    Case("prod-stateful-protected", "prod", log_group(365, protect=True), "set retainOnDelete"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)
