"""Routine edits of a shipped stack file replace no stateful resource and roll no node.

Each case edits a copy of the prod stack file, plans it and diffs it against the shipped
plan: no data-loss finding, and no launch template changes (a new template version rolls
every node of its group).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.plan import build_plan
from infra.plan_diff import Side, diff_plans

STACKS = Path(__file__).resolve().parent.parent / "stacks"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

ROUTINE = {
    "add-tag": (
        "      data-classification: confidential\n",
        "      data-classification: confidential\n      team-lead: alice\n",
    ),
    "change-tag": ('costCenter: "4711"', 'costCenter: "4712"'),
    "add-alert-subscriber": (
        "alertEmails: [ml-oncall@example.com]",
        "alertEmails: [ml-oncall@example.com, ml-lead@example.com]",
    ),
}


@pytest.mark.parametrize("edit", sorted(ROUTINE))
def test_routine_change_replaces_nothing(edit: str, tmp_path: Path) -> None:
    before = build_plan("prod").document()
    edited = tmp_path / "Pulumi.prod.yaml"
    shutil.copy(STACKS / "Pulumi.prod.yaml", edited)
    old, new = ROUTINE[edit]
    text = edited.read_text(encoding="utf-8")
    assert old in text
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    after = build_plan("prod", edited).document()
    diff = diff_plans(Side("base", before), Side("head", after))
    assert [w.message for w in diff.warnings] == []
    # The template's own tags update in place; anything else makes a new version.
    rolled = [
        c.name
        for c in diff.changed
        if c.type == LAUNCH_TEMPLATE and any(not p.startswith("tags") for p, _, _ in c.inputs)
    ]
    assert rolled == []
    assert [r["name"] for r in diff.removed if r["type"] == SUBSCRIPTION] == []
