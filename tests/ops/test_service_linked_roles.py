"""The Auto Scaling service-linked role a fresh account lacks: bootstrap creates it only
with --fix, preflight fails without it. Against in-process moto."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.cli import main
from infra.config import load_stack_file
from infra.ops.aws import Aws, AwsOptions
from infra.ops.preflight import run_preflight
from infra.ops.report import Status
from infra.ops.service_linked_roles import AUTOSCALING
from tests.helpers import of_type

from .conftest import REGION, stack_file
from .test_bootstrap import BUCKET, _mutations, _writes

ROLE_NAME = "AWSServiceRoleForAutoScaling"
NODE_GROUPS = [
    {
        "name": "system",
        "kind": "system",
        "instanceTypes": ["m6i.large"],
        "min": 2,
        "desired": 2,
        "max": 3,
    }
]


def _role_exists() -> bool:
    iam = boto3.client("iam")
    return any(r["RoleName"] == ROLE_NAME for r in iam.list_roles()["Roles"])


def _row(out: str) -> str:
    return next(line for line in out.splitlines() if f"service-linked role {ROLE_NAME}" in line)


def test_bootstrap_without_fix_only_reports_the_missing_role(moto: None, capsys: Any) -> None:
    # Exit 1: the bucket and key are missing too, and a dry run creates none of them.
    assert main(["bootstrap", "--bucket", BUCKET]) == 1
    row = _row(capsys.readouterr().out)
    assert "warn" in row and "missing" in row and "--fix" in row
    assert not _role_exists()


def test_bootstrap_fix_creates_the_role_once(moto: None, capsys: Any, mocker: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    assert "created" in _row(capsys.readouterr().out)
    role = boto3.client("iam").get_role(RoleName=ROLE_NAME)["Role"]
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"

    calls = _mutations(mocker)
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    out = capsys.readouterr().out
    assert "ok" in _row(out) and "exists" in _row(out)
    assert _writes(calls) == []
    assert "No changes" in out


def test_a_role_created_meanwhile_is_fine(moto: None, capsys: Any, mocker: Any) -> None:
    """Created by someone else between our look and our create: the goal is met."""
    boto3.client("iam").create_service_linked_role(AWSServiceName=AUTOSCALING.service)
    mocker.patch("infra.ops.service_linked_roles.role_exists", return_value=False)
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    assert "created" in _row(capsys.readouterr().out)


def _preflight(tmp_path: Path, **sections: Any) -> Any:
    config = load_stack_file(stack_file(tmp_path, **sections))
    report = run_preflight(Aws(AwsOptions(region=REGION)), "dev", config)
    return next(r for r in report.rows if r.check.startswith("service-linked role"))


def test_preflight_fails_with_a_one_line_fix_when_missing(moto: None, tmp_path: Path) -> None:
    row = _preflight(tmp_path, training={"nodeGroups": NODE_GROUPS})
    assert row.status is Status.FAIL
    assert "aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com" in (
        row.detail
    )
    assert "\n" not in row.detail


def test_preflight_passes_once_the_role_exists(moto: None, tmp_path: Path) -> None:
    boto3.client("iam").create_service_linked_role(AWSServiceName=AUTOSCALING.service)
    row = _preflight(tmp_path, training={"nodeGroups": NODE_GROUPS})
    assert row.status is Status.PASS


def test_preflight_skips_the_check_without_a_training_cluster(moto: None, tmp_path: Path) -> None:
    row = _preflight(tmp_path)
    assert row.status is Status.SKIP


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_checked_role_is_the_one_the_kms_grant_names(stack: str, shipped_plan: Any) -> None:
    grantees = {
        g["inputs"]["granteePrincipal"]
        for g in of_type(shipped_plan(stack), "aws:kms/grant:Grant")
        if ":role/aws-service-role/" in g["inputs"]["granteePrincipal"]
    }
    assert grantees == {
        f"arn:aws:iam::123456789012:role/aws-service-role/{AUTOSCALING.service}/"
        f"{AUTOSCALING.role_name}"
    }
