"""Values YAML or pydantic would take silently: booleans for numbers, numbers beyond what
AWS accepts, empty values, internet-wide allow-lists, a VPC range another shipped stack
uses. Each ends with exit 2 and exactly one line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.cli import main

DEV = yaml.safe_load(Path("stacks/Pulumi.dev.yaml").read_text(encoding="utf-8"))["config"]
P = "mlops-platform:"


def _set(path: list[Any], value: Any) -> dict[str, Any]:
    config = copy.deepcopy(DEV)
    node: Any = config
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return config


CASES = [
    ("bool-azcount", [P + "network", "azCount"], True,
     "network.azCount: expected a number, got true"),
    ("bool-node-max", [P + "training", "nodeGroups", 0, "max"], True,
     "training.nodeGroups[0].max: expected a number, got true"),
    ("bool-retention", [P + "monitoring", "logRetentionDays"], False,
     "monitoring.logRetentionDays: expected a number, got false"),
    ("node-max-beyond-eks", [P + "training", "nodeGroups", 0, "max"], 451,
     "training.nodeGroups[0].max: Input should be less than or equal to 450 (got 451)"),
    ("cpu-quota-huge", [P + "training", "teams", 0, "cpuQuota"], 10**7,
     "training.teams[0].cpuQuota: Input should be less than or equal to 1000000 (got 10000000)"),
    ("empty-nested-value", [P + "network", "natGateways"], None,
     "network.natGateways: empty value: give it a value or remove the key"),
    ("split-internet", [P + "training", "publicAccessCidrs"], ["0.0.0.0/1", "128.0.0.0/1"],
     "training.publicAccessCidrs[0]: 0.0.0.0/1 opens the dev API endpoint to the internet; "
     "name your ranges"),
    ("budget-zero", [P + "monitoring", "budget"], {"monthlyLimitUsd": 0},
     "monitoring.budget.monthlyLimitUsd: Input should be greater than 0 (got 0)"),
    ("budget-no-limit", [P + "monitoring", "budget"], {"actualPercent": 80},
     "monitoring.budget.monthlyLimitUsd: required key is missing"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_exact_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: list[Any], value: Any,
    expected: str,
) -> None:  # fmt: skip
    stack_file = tmp_path / "Pulumi.fork.yaml"
    stack_file.write_text(yaml.safe_dump({"config": _set(path, value)}), encoding="utf-8")
    assert main(["plan", "fork", "--config", str(stack_file)]) == 2
    assert capsys.readouterr().err == f"error: {stack_file}: {expected}\n"


def test_a_shipped_fork_may_not_reuse_another_stacks_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.config import loader

    for shipped in Path("stacks").glob("Pulumi.*.yaml"):
        (tmp_path / shipped.name).write_bytes(shipped.read_bytes())
    monkeypatch.setattr(loader, "STACKS_DIR", tmp_path)
    fork = tmp_path / "Pulumi.fork.yaml"
    config = _set([P + "network", "cidr"], "10.40.0.0/16")
    fork.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    assert main(["plan", "fork", "--config", str(fork)]) == 2
    assert capsys.readouterr().err == (
        f"error: {fork}: network.cidr: 10.40.0.0/16 overlaps stack 'prod' (10.40.0.0/16); "
        "give each stack its own range\n"
    )
