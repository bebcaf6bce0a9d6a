"""A fork adds its own stack file (another team, another region) and the stack-wide
guarantees hold for it as they do for the shipped stacks: the checks derive what they expect
from the stack file instead of knowing dev, staging and prod by name."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from infra.config.loader import free_cidr
from infra.plan import Plan, build_plan
from policy.rules import STATEFUL_TYPES
from tests.stacks import STACKS_DIR, matrix_key, region, stack_names

FORK, FORK_REGION = "teama", "us-east-1"


def fork_stack(directory: Path, source: str = "prod") -> Path:
    """Copy a shipped stack file into `directory` as stack `teama` in another region."""
    data = yaml.safe_load((STACKS_DIR / f"Pulumi.{source}.yaml").read_text(encoding="utf-8"))
    config = data["config"]
    assert config["aws:region"] != FORK_REGION
    config["aws:region"] = FORK_REGION
    config.setdefault("mlops-platform:network", {})["cidr"] = str(free_cidr())
    path = directory / f"Pulumi.{FORK}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fork_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return build_plan(FORK, fork_stack(tmp_path_factory.mktemp("fork")))


def test_fork_plans_without_mandatory_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fork_stack(tmp_path)
    assert main(["plan", FORK, "--config", str(path), "--quiet"]) == 0
    assert " 0 mandatory / " in capsys.readouterr().out


def test_fork_urns_are_unique_and_its_own(fork_plan: Plan) -> None:
    urns = Counter(r["urn"] for r in fork_plan.resources)
    assert [u for u, n in urns.items() if n > 1] == []
    assert all(u.startswith(f"urn:pulumi:{FORK}::") for u in urns)


def test_fork_region_is_derived_everywhere(fork_plan: Plan) -> None:
    assert fork_plan.outputs["region"] == FORK_REGION
    shipped_regions = {region(s) for s in stack_names()} - {FORK_REGION}
    text = json.dumps([r["inputs"] for r in fork_plan.resources])
    if fork_plan.config.ci_runners is not None:
        # A connection to GitHub is global: its ARN names the region it was made in, and
        # every stack of the account may use it.
        text = text.replace(fork_plan.config.ci_runners.connection_arn, "")
    assert FORK_REGION in text
    assert [r for r in sorted(shipped_regions) if r in text] == []


def test_fork_has_its_own_vpc_range(fork_plan: Plan) -> None:
    (vpc,) = [r for r in fork_plan.resources if r["type"] == "aws:ec2/vpc:Vpc"]
    assert vpc["inputs"]["cidrBlock"] == str(free_cidr())


def test_ci_matrix_lists_the_fork_with_its_region(tmp_path: Path) -> None:
    import importlib.util

    script = STACKS_DIR.parent / ".github" / "scripts" / "plan_summary.py"
    spec = importlib.util.spec_from_file_location("plan_summary_fork", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fork_stack(tmp_path)
    output = tmp_path / "output"
    assert module.main(["--stacks-dir", str(tmp_path), "--matrix-output", str(output)]) == 0
    matrix = json.loads(output.read_text(encoding="utf-8").strip().removeprefix("matrix="))
    assert matrix == [{"stack": FORK, "key": matrix_key(FORK), "region": FORK_REGION}]


def test_fork_of_prod_protects_and_retains_its_stateful_resources(fork_plan: Plan) -> None:
    stateful = [r for r in fork_plan.resources if r["type"] in STATEFUL_TYPES]
    assert stateful
    assert [r["urn"] for r in stateful if not (r["protect"] and r["retainOnDelete"])] == []
