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
    ("bool-gpu-quota", [P + "training", "teams", 0, "gpuQuota"], True,
     "training.teams[0].gpuQuota: expected a number, got true"),
    ("bool-ttl", [P + "featureStore", "featureGroups", 0, "onlineStore", "ttlDays"], True,
     "featureStore.featureGroups[0].onlineStore.ttlDays: expected a number, got true"),
    ("bool-memory", [P + "serving", "endpoints", 0, "serverless", "memoryMb"], False,
     "serving.endpoints[0].serverless.memoryMb: expected a number, got false"),
    ("fraction-for-integer", [P + "monitoring", "logRetentionDays"], 14.5,
     "monitoring.logRetentionDays: Input should be a valid integer, got a number with a "
     "fractional part (got 14.5)"),
    ("serverless-memory-beyond-aws", [P + "serving", "endpoints", 0, "serverless", "memoryMb"],
     10241, "serving.endpoints[0].serverless.memoryMb: 10241 MB is not a serverless memory size "
     "(allowed: 1024, 2048, 3072, 4096, 5120, 6144)"),
    ("concurrency-beyond-aws", [P + "serving", "endpoints", 0, "serverless", "maxConcurrency"],
     201, "serving.endpoints[0].serverless.maxConcurrency: Input should be less than or equal "
     "to 200 (got 201)"),
    ("ttl-beyond-bound", [P + "featureStore", "featureGroups", 0, "onlineStore", "ttlDays"],
     100000, "featureStore.featureGroups[0].onlineStore.ttlDays: Input should be less than or "
     "equal to 3650 (got 100000)"),
    ("gpu-quota-huge", [P + "training", "teams", 0, "gpuQuota"], 10**6,
     "training.teams[0].gpuQuota: Input should be less than or equal to 100000 (got 1000000)"),
    ("negative-min", [P + "training", "nodeGroups", 0, "min"], -1,
     "training.nodeGroups[0].min: Input should be greater than or equal to 0 (got -1)"),
    ("budget-huge", [P + "monitoring", "budget"], {"monthlyLimitUsd": 10**13},
     "monitoring.budget.monthlyLimitUsd: Input should be less than or equal to 10000000 "
     "(got 10000000000000)"),
    ("keep-images-huge", [P + "registry", "images", 0, "keepScratchImages"], 10**6,
     "registry.images[0].keepScratchImages: Input should be less than or equal to 1000 "
     "(got 1000000)"),
    ("world-open-api", [P + "training", "publicAccessCidrs"], ["0.0.0.0/0"],
     "training.publicAccessCidrs[0]: 0.0.0.0/0 opens the dev API endpoint to the internet; "
     "name your ranges"),
    ("wide-open-api", [P + "training", "publicAccessCidrs"], ["203.0.113.0/24", "10.0.0.0/7"],
     "training.publicAccessCidrs[1]: 10.0.0.0/7 opens the dev API endpoint to the internet; "
     "name your ranges"),
    ("empty-list-item", [P + "monitoring", "alertEmails"], [None],
     "monitoring.alertEmails[0]: empty value: give it a value or remove the key"),
    ("empty-mapping-section", [P + "ciAccess"], {},
     "ciAccess.githubRepository: required key is missing"),
    ("long-value-truncated", [P + "featureStore", "featureGroups", 0, "description"], "d" * 3000,
     "featureStore.featureGroups[0].description: String should have at most 128 characters "
     f"(got \"{'d' * 56}...)"),
    ("multi-line-value-flattened", [P + "network", "cidr"], "10.1.0.0/16\n\x1b[31m",
     "network.cidr: '10.1.0.0/16 [31m' is not a valid IPv4 CIDR block ('16\\n\\x1b[31m' is not "
     "a valid netmask)"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_exact_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program_never_runs: None,
    path: list[Any], value: Any, expected: str,
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
