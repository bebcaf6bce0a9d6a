"""The GitHub Actions workflows: schema-valid, pinned, and shaped as the release flow says."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.helpers import BASE_STACK, write_stack

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@([0-9a-f]{40}|v\d+\.\d+\.\d+)$")


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


@pytest.fixture(scope="module")
def pr() -> dict[str, Any]:
    return load(WORKFLOWS / "pr.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy.yml")


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    return step


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-workflows", WORKFLOWS / "pr.yml"),
        ("vendor.github-workflows", WORKFLOWS / "deploy.yml"),
        ("vendor.github-actions", SETUP_ACTION),
    ],
)
def test_validates_against_the_vendored_schema(schema: str, path: Path) -> None:
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps: run-me\n", encoding="utf-8"
    )
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0


def test_every_action_is_pinned(pr: dict[str, Any], deploy: dict[str, Any]) -> None:
    steps = [step for workflow in (pr, deploy) for job in workflow["jobs"].values()
             for step in job["steps"]]  # fmt: skip
    steps += load(SETUP_ACTION)["runs"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    for ref in uses:
        assert ref.startswith("./") or PINNED.match(ref), ref


def test_pr_runs_on_pull_requests_with_lint_and_tests(pr: dict[str, Any]) -> None:
    assert "pull_request" in pr["on"]
    assert pr["permissions"] == {"contents": "read"}
    commands = runs(pr["jobs"]["test"])
    assert "make lint" in commands
    assert "make test" in commands


def test_pr_plans_every_stack_and_comments(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["plan"]
    assert "plan_summary.py" in runs(job)
    assert "--stacks-dir stacks" in runs(job)
    assert job["permissions"]["pull-requests"] == "write"
    comment = step_using(job, "actions/github-script")
    assert "always()" in comment["if"]
    assert "<!-- mlops-platform-plan -->" in comment["with"]["script"]


def test_pr_previews_each_stack_with_the_policy_pack_over_oidc(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["preview"]
    assert set(job["needs"]) == {"test", "plan"}
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert job["permissions"]["id-token"] == "write"
    credentials = step_using(job, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ env.ROLE_ARN }}"
    assert "AWS_PREVIEW_ROLE_ARN_" in job["env"]["ROLE_ARN"]
    assert "aws-access-key-id" not in credentials["with"]
    assert re.search(r"pulumi preview --stack \"\$\{\{ matrix.stack \}\}\" --policy-pack policy",
                     runs(job))  # fmt: skip
    assert "head.repo.full_name == github.repository" in job["if"]


def test_deploy_promotes_dev_staging_prod(deploy: dict[str, Any]) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    jobs = deploy["jobs"]
    order = ["dev", "staging", "prod"]
    previous = "test"
    for name in order:
        job = jobs[name]
        assert job["environment"] == name
        assert job["needs"] == previous
        assert job["env"]["STACK"] == name
        assert job["permissions"]["id-token"] == "write"
        credentials = step_using(job, "aws-actions/configure-aws-credentials")
        assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        commands = runs(job)
        assert 'pulumi up --stack "$STACK" --policy-pack policy --yes' in commands
        assert "--expect-no-changes" in commands
        assert commands.index("mlops-platform plan") < commands.index("pulumi up")
        previous = name
    assert "make test" in runs(jobs["test"])


def test_deploy_stages_are_shipped_stacks(deploy: dict[str, Any]) -> None:
    for name in ("dev", "staging", "prod"):
        assert (ROOT / "stacks" / f"Pulumi.{name}.yaml").exists()


def test_setup_installs_the_pulumi_cli_of_the_sdk_version() -> None:
    inputs = load(SETUP_ACTION)["inputs"]
    assert inputs["pulumi-version"]["default"] == version("pulumi")
    steps = load(SETUP_ACTION)["runs"]["steps"]
    assert any("policy/requirements.txt" in s.get("run", "") for s in steps)


# -- the plan summary script ------------------------------------------------------------


@pytest.fixture(scope="module")
def plan_summary() -> ModuleType:
    path = ROOT / ".github" / "scripts" / "plan_summary.py"
    spec = importlib.util.spec_from_file_location("plan_summary", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_summary_of_the_shipped_stacks(plan_summary: ModuleType, tmp_path: Path) -> None:
    out, matrix_file = tmp_path / "summary.md", tmp_path / "output"
    code = plan_summary.main(
        ["--stacks-dir", str(ROOT / "stacks"), "--summary", str(out),
         "--matrix-output", str(matrix_file)]
    )  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!-- mlops-platform-plan -->")
    for stack in ("dev", "staging", "prod"):
        assert re.search(rf"^\| {stack} \| {stack} \| \d+ \| 0 \| 0 \|", text, re.M)
    line = matrix_file.read_text(encoding="utf-8").strip()
    assert line.startswith("matrix=")
    matrix = json.loads(line.removeprefix("matrix="))
    stacks = sorted(p.name.split(".")[1] for p in (ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert [m["stack"] for m in matrix] == stacks
    assert {m["key"] for m in matrix} == {s.upper() for s in stacks}
    assert all(m["region"] == "eu-west-1" for m in matrix)


def test_summary_blocks_on_violations_and_bad_files(
    plan_summary: ModuleType, tmp_path: Path
) -> None:
    violating = {
        **BASE_STACK,
        "mlops-platform:ciAccess": {
            "githubRepository": "acme/mlops-platform",
            "deployManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        },
    }
    write_stack(tmp_path, violating, "Pulumi.fork.yaml")
    write_stack(tmp_path, {**BASE_STACK, "mlops-platform:typo": 1}, "Pulumi.broken.yaml")
    out = tmp_path / "summary.md"
    assert plan_summary.main(["--stacks-dir", str(tmp_path), "--summary", str(out)]) == 1
    text = out.read_text(encoding="utf-8")
    assert re.search(r"^\| broken \|.*invalid: .*typo", text, re.M)
    assert re.search(r"^\| fork \| dev \| \d+ \| 1 \| 0 \|.*blocked", text, re.M)
    assert "`iam-no-full-access-managed-policies` | `ci-access-deploy-AmazonS3FullAccess`" in text
