"""The offline plan runs the real program for every shipped stack."""

from __future__ import annotations

from collections import Counter

from infra.plan import Plan


def test_every_urn_is_unique(any_shipped_plan: Plan) -> None:
    counts = Counter(r["urn"] for r in any_shipped_plan.resources)
    assert [urn for urn, n in counts.items() if n > 1] == []


def test_every_parent_is_in_the_plan(any_shipped_plan: Plan) -> None:
    urns = {r["urn"] for r in any_shipped_plan.resources}
    assert all(r["parent"] is None or r["parent"] in urns for r in any_shipped_plan.resources)
