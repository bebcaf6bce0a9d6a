"""What `mlops-platform plan` prints: sizes of what costs money, subtotals, no cut-off rows."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from rich.console import Console

from infra.cli import main
from infra.commands.plan import render
from infra.plan import Plan


def _printed(plan: Plan, width: int, tree: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, record=True)
    render(plan, plan.document(), console, tree=tree)
    return console.export_text()


def test_node_groups_and_endpoints_show_instance_types_and_sizes(
    shipped_plan: Callable[[str], Plan],
) -> None:
    text = _printed(shipped_plan("prod"), width=400)
    assert re.search(r"nodes\(min/desired/max\)=2/3/4 .*instanceTypes=m6i\.xlarge", text)
    assert "AllTraffic=ml.c6i.xlarge x2" in text


def test_component_subtotals_add_up_to_the_total(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    text = _printed(plan, width=400)
    subtotals = [float(v.replace(",", "")) for v in re.findall(r"\): est\. ([\d,.]+) USD", text)]
    assert len(subtotals) == len([r for r in plan.resources if r["parent"] is None])
    assert sum(subtotals) == pytest.approx(plan.cost["monthlyUsd"], abs=0.05)


def test_narrow_terminals_fold_cells_instead_of_cutting_them(
    shipped_plan: Callable[[str], Plan],
) -> None:
    text = _printed(shipped_plan("prod"), width=90)
    # rich cuts an overflowing cell with "…" by default, which made rows that differ only
    # at the end of a long type print identically; folded cells keep every character.
    assert "…" not in text


def test_tree_format_lists_every_resource_once_under_its_parent(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("dev")
    text = _printed(plan, width=400, tree=True)
    lines = [line for line in text.splitlines() if "+ " in line]
    assert len(lines) == len(plan.resources)
    assert any(line.startswith("├── + mlops:network:Network network") for line in lines)


def test_cli_takes_the_tree_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "dev", "--format", "tree"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("resources\n") and "USD/month" in out
