"""Routine edits of a shipped stack file replace no stateful resource and roll no node.

Each case edits a copy of the prod stack file, plans it and diffs it against the plan before
the edit: no data-loss finding, and no launch template changes (a new template version rolls
every node of its group).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components import catalog
from infra.plan import build_plan
from infra.plan_diff import Side, diff_plans
from tests.node_groups import prod_with_gpu_node_groups

STACKS = Path(__file__).resolve().parent.parent / "stacks"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

SHIPPED_VERSION = '    kubernetesVersion: "1.35"\n'
_VERSIONS = [k.version for k in catalog.kubernetes_versions()]
# The version before the shipped one: the upgrade case plans a stack on it, then the shipped.
PREVIOUS_VERSION = f'    kubernetesVersion: "{_VERSIONS[_VERSIONS.index("1.35") - 1]}"\n'

EXTENDED = "    supportType: EXTENDED\n"

Edit = tuple[str, str]
# Each case: (edits making the stack before, edits making the stack after), on prod's text.
ROUTINE: dict[str, tuple[list[Edit], list[Edit]]] = {
    "add-tag": ([], [(
        "      data-classification: confidential\n",
        "      data-classification: confidential\n      team-lead: alice\n",
    )]),
    "change-tag": ([], [('costCenter: "4711"', 'costCenter: "4712"')]),
    "add-alert-subscriber": ([], [(
        "alertEmails: [ml-oncall@example.com]",
        "alertEmails: [ml-oncall@example.com, ml-lead@example.com]",
    )]),
    "add-feature-group": ([], [(
        "  mlops-platform:registry:\n",
        "      - name: device-signals\n"
        "        description: Device fingerprint signals\n"
        "        recordIdentifier: device_id\n"
        "        eventTime: event_time\n"
        "        onlineStore: {enabled: true, ttlDays: 7}\n"
        "        features:\n"
        "          - {name: device_id, type: String}\n"
        "          - {name: event_time, type: String}\n"
        "          - {name: risk_score, type: Fractional}\n"
        "  mlops-platform:registry:\n",
    )]),
    "add-endpoint": ([], [(
        "  mlops-platform:featureStore:\n",
        "      - name: churn-shadow\n"
        "        model: churn-predictor\n"
        "        image: churn-serving\n"
        "        modelPackageVersion: 8\n"
        "        instanceType: ml.m5.large\n"
        "        minInstances: 2\n"
        "        maxInstances: 4\n"
        "        rollout: canary\n"
        "  mlops-platform:featureStore:\n",
    )]),
    "add-team": ([], [(
        "         gpuQuotas: {gpu-a10g: 4}}\n",
        "         gpuQuotas: {gpu-a10g: 4}}\n"
        "      - {name: search, cpuQuota: 32, memoryQuotaGib: 128, gpuQuota: 2,\n"
        "         gpuQuotas: {gpu-a10g: 2}}\n",
    )]),
    "add-pool": ([], [(
        "    teams:\n",
        "      - {name: cpu-small, kind: cpu, instanceTypes: [m6i.2xlarge], limits: {cpu: 64}}\n"
        "    teams:\n",
    )]),
    "change-node-counts": ([], [(
        "instanceTypes: [m6i.xlarge], min: 2, desired: 3, max: 4}",
        "instanceTypes: [m6i.xlarge], min: 3, desired: 4, max: 6}",
    )]),
    # Extended support on both sides: the older version may be out of standard support
    # today, and the case changes the version alone.
    "upgrade-kubernetes": (
        [(SHIPPED_VERSION, PREVIOUS_VERSION + EXTENDED)],
        [(SHIPPED_VERSION, SHIPPED_VERSION + EXTENDED)],
    ),
}  # fmt: skip


def stack_file(directory: Path, edits: list[Edit]) -> Path:
    path = directory / "Pulumi.prod.yaml"
    text = (STACKS / "Pulumi.prod.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("edit", sorted(ROUTINE))
def test_routine_change_replaces_nothing(edit: str, tmp_path: Path) -> None:
    before_edits, after_edits = ROUTINE[edit]
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    before = build_plan("prod", stack_file(tmp_path / "before", before_edits)).document()
    after = build_plan("prod", stack_file(tmp_path / "after", after_edits)).document()
    diff = diff_plans(Side("base", before), Side("head", after))
    assert diff.added or diff.changed, "the edit changed nothing"
    assert [w.message for w in diff.warnings] == []
    # The template's own tags update in place; anything else makes a new version.
    rolled = [
        c.name
        for c in diff.changed
        if c.type == LAUNCH_TEMPLATE and any(not p.startswith("tags") for p, _, _ in c.inputs)
    ]
    assert rolled == []
    assert [r["name"] for r in diff.removed if r["type"] == SUBSCRIPTION] == []
    assert [r["name"] for r in diff.removed] == []


def test_moving_gpu_node_groups_to_pools_loses_nothing_and_keeps_the_system_group(
    tmp_path: Path,
) -> None:
    # README "Moving an existing stack from GPU node groups to pools", steps 1 to 3 at once.
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(prod_with_gpu_node_groups(), encoding="utf-8")
    before = build_plan("prod", path).document()
    after = build_plan("prod").document()
    diff = diff_plans(Side("base", before), Side("head", after))
    assert [w.message for w in diff.warnings] == []
    assert [c.name for c in diff.changed if "system" in c.name] == []
    removed = {r["name"] for r in diff.removed}
    old_groups = ("cpu-spot", "gpu-a10g", "gpu-a100")
    assert removed and all(any(g in name for g in old_groups) for name in removed), removed
    subnets = [c for c in diff.changed if c.type == "aws:ec2/subnet:Subnet"]
    assert subnets and all(p.startswith("tags") for c in subnets for p, _, _ in c.inputs)
