"""The benchmark script runs on a tiny input (no timings are asserted: they are reports)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.config import config_from_mapping
from infra.plan import Plan

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_large_config_has_the_documented_size_and_validates() -> None:
    config = config_from_mapping(bench().large_config(1.0), "large")
    assert len(config.serving.endpoints) == 100
    assert len(config.feature_store.feature_groups) == 200
    assert len(config.training.teams) == 10
    half = config_from_mapping(bench().large_config(0.5), "large")
    assert len(half.serving.endpoints) == 50 and len(half.feature_store.feature_groups) == 100


def test_raw_baseline_registers_the_same_resources_and_inputs(shipped_plan: Any) -> None:
    plan: Plan = shipped_plan("dev")
    module = bench()
    custom = [r for r in plan.resources if r["custom"]]
    counts = module.register_raw(plan.resources, "dev", plan.config.region, verify=True)
    assert counts == {"registered": len(custom), "generic": 0, "mismatched": 0}
    assert all(module.resource_class(r["type"]) is not None for r in custom)


def test_script_runs_on_a_tiny_input(tmp_path: Path) -> None:
    out = tmp_path / "BENCH.md"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--runs", "1", "--cold-runs", "0", "--stacks", "dev",
         "--scales", "0.02", "0.04", "--no-memory", "--no-typecheck", "--output", str(out)],
        check=True,
        capture_output=True,
        # A hang guard, not a speed check: a loaded shared machine may take minutes.
        timeout=900,
    )  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert "| nproc |" in text and "| pulumi-aws |" in text
    assert "| dev |" in text
    assert "## Scaling" in text and "Least-squares fit" in text
    assert "benchmarks/run.py --runs 1" in text


def test_committed_results_name_their_command_machine_and_stacks() -> None:
    text = (SCRIPT.parents[1] / "docs" / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "make bench" in text and "benchmarks/run.py" in text
    assert "| nproc |" in text and "| python |" in text
    for row in ("| dev |", "| staging |", "| prod |", "| large |", "| 100% |"):
        assert row in text
    assert "## Targets" in text


def test_the_large_config_plans_like_a_deployable_prod_stack(tmp_path: Path) -> None:
    """`make bench` plans it through the CLI: a mandatory finding would stop the run."""
    from infra.cli import main

    path = bench().write_large_stack(tmp_path, 0.02)
    assert main(["plan", "large", "--quiet", "--config", str(path)]) == 0
