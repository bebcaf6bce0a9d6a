"""`diff A B`: added, removed and changed resources, cost delta, stateful replacement warnings."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.plan import Plan
from infra.plan_diff import Side, diff_plans, load_side, render_markdown, render_text
from tests.helpers import BASE_STACK, write_stack

BUCKET = "aws:s3/bucket:Bucket"


def resource(stack: str, chain: str, rname: str, **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:{stack}::mlops-platform::{chain}::{rname}",
        "type": chain.rsplit("$", 1)[-1],
        "name": rname,
        "parent": None,
        "custom": True,
        "protect": False,
        "retainOnDelete": False,
        "dependsOn": [],
        "inputs": inputs,
    }


def document(stack: str, resources: list[dict[str, Any]], usd: dict[str, float]) -> dict:
    items = [
        {"urn": r["urn"], "usd": usd[r["name"]], "basis": "test"}
        for r in resources
        if r["name"] in usd
    ]
    return {
        "stack": stack,
        "resources": resources,
        "cost": {"monthlyUsd": sum(i["usd"] for i in items), "items": items},
    }


def test_added_removed_changed_and_cost_delta() -> None:
    before = [
        resource("s", "aws:kms/key:Key", "key", deletionWindowInDays=7),
        resource("s", "aws:ec2/natGateway:NatGateway", "nat-0", subnetId="a"),
        resource("s", "aws:iam/role:Role", "old-role"),
    ]
    added = resource("s", "aws:ec2/natGateway:NatGateway", "nat-1", subnetId="b")
    after = [*copy.deepcopy(before[:2]), added]
    after[0]["inputs"]["deletionWindowInDays"] = 30
    after[0]["protect"] = True
    diff = diff_plans(
        Side("a", document("s", before, {"key": 1.0, "nat-0": 35.0})),
        Side("b", document("s", after, {"key": 1.0, "nat-0": 35.0, "nat-1": 35.0})),
    )
    assert [r["name"] for r in diff.added] == ["nat-1"]
    assert [r["name"] for r in diff.removed] == ["old-role"]
    assert [(c.name, [p for p, _, _ in c.inputs]) for c in diff.changed] == [
        ("key", ["<protect>", "deletionWindowInDays"])
    ]
    assert diff.cost_delta == 35.0
    assert diff.warnings == []
    text = render_text(diff)
    assert "deletionWindowInDays: 7 -> 30" in text and "(+35.00)" in text


def test_stateful_urn_change_is_a_replacement_warning() -> None:
    # Same bucket, but its parent component was renamed: the URN changes.
    before = [resource("s", f"mlops:x:Store${BUCKET}", "data", bucket="mlops-s-data")]
    after = [resource("s", f"mlops:x:FeatureStore${BUCKET}", "data", bucket="mlops-s-data")]
    diff = diff_plans(Side("a", document("s", before, {})), Side("b", document("s", after, {})))
    assert [(w.kind, w.type, w.name) for w in diff.warnings] == [("REPLACEMENT", BUCKET, "data")]
    assert diff.has_data_loss
    markdown = render_markdown(diff)
    assert "[!CAUTION]" in markdown and "**REPLACEMENT**" in markdown
    assert "!!! REPLACEMENT / DATA LOSS" in render_text(diff)


def test_stateful_removal_and_physical_rename_are_flagged() -> None:
    before = [
        resource("s", "aws:cloudwatch/logGroup:LogGroup", "logs", name="/mlops/a"),
        resource("s", BUCKET, "data", bucket="mlops-s-data"),
        resource("s", "aws:iam/role:Role", "role"),
    ]
    after = [resource("s", BUCKET, "data", bucket="mlops-s-data-v2")]
    diff = diff_plans(Side("a", document("s", before, {})), Side("b", document("s", after, {})))
    kinds = sorted((w.kind, w.name) for w in diff.warnings)
    assert kinds == [("DELETION", "logs"), ("REPLACEMENT", "data")]


def test_stateless_urn_change_is_not_a_data_loss_warning() -> None:
    before = [resource("s", "mlops:x:A$aws:iam/role:Role", "role")]
    after = [resource("s", "mlops:x:B$aws:iam/role:Role", "role")]
    diff = diff_plans(Side("a", document("s", before, {})), Side("b", document("s", after, {})))
    assert len(diff.added) == len(diff.removed) == 1 and diff.warnings == []


def test_stacks_compare_without_their_names_in_urns_and_physical_names() -> None:
    a = [resource("dev", BUCKET, "data", bucket="mlops-dev-data", tags={"stack": "dev"})]
    b = [resource("prod", BUCKET, "data", bucket="mlops-prod-data", tags={"stack": "prod"})]
    diff = diff_plans(Side("dev", document("dev", a, {})), Side("prod", document("prod", b, {})))
    assert (diff.added, diff.removed, diff.changed, diff.warnings) == ([], [], [], [])


def test_json_policies_compare_by_content() -> None:
    a = [resource("s", "aws:iam/role:Role", "r", assumeRolePolicy='{"a": 1, "b": 2}')]
    b = [resource("s", "aws:iam/role:Role", "r", assumeRolePolicy='{"b":2,"a":1}')]
    diff = diff_plans(Side("a", document("s", a, {})), Side("b", document("s", b, {})))
    assert diff.changed == []


def test_cli_diff_dev_prod_markdown_has_cost_delta(
    shipped_plan: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "dev", "prod", "--markdown"]) == 0
    out = capsys.readouterr().out
    dev: Plan = shipped_plan("dev")
    prod: Plan = shipped_plan("prod")
    delta = prod.cost["monthlyUsd"] - dev.cost["monthlyUsd"]
    assert "| est. USD/month |" in out
    assert f"**{delta:+,.2f}**" in out
    assert "#### Added" in out or "<summary><b>Added" in out


def test_cli_diff_reads_saved_plan_json_and_stack_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "dev.json"
    assert main(["plan", "dev", "--json", str(saved), "--quiet"]) == 0
    config = {**BASE_STACK, "mlops-platform:network": {"cidr": "10.20.0.0/16", "azCount": 3}}
    stack = write_stack(tmp_path, config, name="Pulumi.dev.yaml")
    capsys.readouterr()
    assert main(["diff", str(saved), str(stack)]) == 0
    out = capsys.readouterr().out
    assert "network-private-2" in out  # the third AZ's subnet is added
    assert "cost:" in out


def test_cli_diff_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(tmp_path / "missing.json"), "dev"]) == 2
    assert "missing.json: file not found" in capsys.readouterr().err
    bad = write_stack(tmp_path, {**BASE_STACK, "mlops-platform:netwrok": {}})
    assert main(["diff", "dev", str(bad)]) == 2
    assert "netwrok" in capsys.readouterr().err


def test_fail_on_data_loss_exit_code(tmp_path: Path) -> None:
    before = document("s", [resource("s", BUCKET, "data", bucket="x")], {})
    after = document("s", [], {})
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(before))
    b.write_text(json.dumps(after))
    assert load_side(str(a)).document["stack"] == "s"
    assert main(["diff", str(a), str(b), "--fail-on-data-loss"]) == 3
    assert main(["diff", str(a), str(b)]) == 0


def test_real_plan_with_a_moved_kms_key_warns_loudly(
    shipped_plan: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = shipped_plan("dev").document()
    after = copy.deepcopy(before)
    key = next(r for r in after["resources"] if r["type"] == "aws:kms/key:Key")
    # As if the key's component were renamed: same type and name, another URN.
    key["urn"] = key["urn"].replace("mlops:security:PlatformKey$", "mlops:security:Keys$")
    a, b = tmp_path / "before.json", tmp_path / "after.json"
    a.write_text(json.dumps(before))
    b.write_text(json.dumps(after))
    assert main(["diff", str(a), str(b), "--markdown", "--fail-on-data-loss"]) == 3
    out = capsys.readouterr().out
    assert "**REPLACEMENT**" in out and "aws:kms/key:Key 'platform-key'" in out
