"""The promote workflow: schema-valid, least privilege, event values only through env."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from infra.config.promotion import DISPATCH_EVENT_TYPE, PromotionConfig
from tests.test_workflows import CHECK_JSONSCHEMA, WORKFLOWS, load, runs, step_using

PROMOTE = WORKFLOWS / "promote.yml"


@pytest.fixture(scope="module")
def promote() -> dict[str, Any]:
    return load(PROMOTE)


def test_validates_against_githubs_workflow_schema() -> None:
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(PROMOTE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_runs_on_the_dispatch_the_approval_rules_send_and_by_hand(promote: dict) -> None:
    assert promote["on"]["repository_dispatch"] == {"types": [DISPATCH_EVENT_TYPE]}
    assert set(promote["on"]["workflow_dispatch"]["inputs"]) == {
        "stack",
        "endpoint",
        "version",
        "force",
    }


def test_least_privilege_in_the_promotion_environment(promote: dict) -> None:
    assert promote["permissions"] == {}
    (job,) = promote["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    # The environment the preview role trusts for promotion (promotion.githubEnvironment).
    assert job["environment"] == PromotionConfig.model_fields["github_environment"].default
    credentials = step_using(job, "aws-actions/configure-aws-credentials")
    assert "AWS_PREVIEW_ROLE_ARN_" in credentials["with"]["role-to-assume"]
    assert "aws-access-key-id" not in credentials["with"]


def test_promotes_then_opens_a_pull_request(promote: dict) -> None:
    (job,) = promote["jobs"].values()
    commands = runs(job)
    assert '.venv/bin/mlops-platform promote "$STACK" "$TARGET" "$VERSION"' in commands
    assert "gh pr create" in commands
    checkout = step_using(job, "actions/checkout")
    assert checkout["with"]["persist-credentials"] is False


def test_event_values_reach_scripts_through_env_only(promote: dict) -> None:
    (job,) = promote["jobs"].values()
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
    # The pull-request token is held by the one step that pushes and opens the PR.
    holders = [s["name"] for s in job["steps"] if "secrets." in json.dumps(s)]
    assert holders == ["Open the pull request"]
    assert "secrets." not in json.dumps(job["env"])
