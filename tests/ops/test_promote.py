"""`mlops-platform promote`: byte-exact edits, Approved versions only, environments in order."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import boto3
import pytest

from infra.cli import main
from infra.config import load_stack_file
from infra.config.loader import STACKS_DIR
from infra.ops.promote import pin_version, resolve_target

from .conftest import REGION

INFERENCE = {
    "Containers": [
        {
            "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-prod/fraud-serving@sha256:"
            + "a" * 64
        }
    ],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    """A copy of the shipped stack files: promote edits the copies."""
    target = tmp_path / "stacks"
    target.mkdir()
    for path in STACKS_DIR.glob("Pulumi.*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def register(group: str, statuses: list[str]) -> None:
    """Versions 1..n of `group` in moto's SageMaker, version i with statuses[i-1]."""
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    for status in statuses:
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus=status,
            InferenceSpecification=INFERENCE,
        )


def promote(stacks: Path, stack: str, *args: str) -> int:
    return main(["promote", stack, *args, "--config", str(stacks / f"Pulumi.{stack}.yaml")])


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_round_trip_is_byte_identical_except_the_pinned_version(stack: str) -> None:
    path = STACKS_DIR / f"Pulumi.{stack}.yaml"
    text = path.read_text(encoding="utf-8")
    config = load_stack_file(path)
    target = resolve_target(config, "fraud")
    edited = pin_version(text, target.indexes, 4242)
    changes = changed_lines(text, edited)
    assert [c for c in changes if c.startswith("+")] == [
        c for c in changes if c.startswith("+") and c.strip().endswith("modelPackageVersion: 4242")
    ]
    assert len([c for c in changes if c.startswith("+")]) == 1
    removed = [c for c in changes if c.startswith("-")]
    assert all("modelPackageVersion:" in c for c in removed) and len(removed) <= 1
    # Undoing the one change gives the original bytes back.
    if removed:
        assert edited.replace("modelPackageVersion: 4242", removed[0].strip()[1:].strip()) == text
    else:
        assert edited.replace(changes[0][1:] + "\n", "") == text


def test_flow_mappings_comments_and_quotes_survive() -> None:
    text = (
        "# header comment\n"
        "config:\n"
        '  aws:region: "eu-west-1"   # quoted\n'
        "  mlops-platform:serving:\n"
        "    endpoints:\n"
        "      - {name: fraud, model: fraud, image: 'fraud-serving', instanceType: ml.m5.large}\n"
        "\n"
        "      - name: churn   # trailing\n"
        "        model: churn\n"
        "        image: churn-serving\n"
        "        modelPackageVersion:   3   # odd spacing\n"
    )
    pinned = pin_version(text, (0,), 7)
    assert pinned == text.replace("'fraud-serving',", "'fraud-serving', modelPackageVersion: 7,")
    assert pin_version(text, (1,), 12) == text.replace(":   3   #", ":   12   #")


def test_pins_an_approved_version_that_staging_serves(stacks: Path, moto: None) -> None:
    # staging serves fraud-detector v14; prod's group holds v14 Approved.
    register("mlops-prod-fraud-detector", ["Approved"] * 14)
    before = (stacks / "Pulumi.prod.yaml").read_text()
    assert promote(stacks, "prod", "fraud", "14") == 0
    after = (stacks / "Pulumi.prod.yaml").read_text()
    assert changed_lines(before, after) == [
        "-        modelPackageVersion: 12",
        "+        modelPackageVersion: 14",
    ]
    assert promote(stacks, "prod", "fraud", "14") == 0
    assert (stacks / "Pulumi.prod.yaml").read_text() == after


@pytest.mark.parametrize("status", ["PendingManualApproval", "Rejected"])
def test_refuses_a_version_that_is_not_approved(
    stacks: Path, moto: None, status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    register("mlops-prod-fraud-detector", ["Approved"] * 13 + [status])
    before = (stacks / "Pulumi.prod.yaml").read_bytes()
    assert promote(stacks, "prod", "fraud", "14") == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"mlops-prod-fraud-detector/14 is {status}, not Approved" in error
    assert (stacks / "Pulumi.prod.yaml").read_bytes() == before


def test_refuses_an_unknown_version(
    stacks: Path, moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    register("mlops-prod-fraud-detector", ["Approved"] * 3)
    before = (stacks / "Pulumi.prod.yaml").read_bytes()
    assert promote(stacks, "prod", "fraud", "14") == 2
    error = capsys.readouterr().err
    assert "unknown model package version" in error and error.count("\n") == 1
    assert (stacks / "Pulumi.prod.yaml").read_bytes() == before


def test_refuses_skipping_staging_unless_forced(
    stacks: Path, moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    register("mlops-prod-fraud-detector", ["Approved"] * 15)
    before = (stacks / "Pulumi.prod.yaml").read_bytes()
    assert promote(stacks, "prod", "fraud", "15") == 2
    error = capsys.readouterr().err
    assert "fraud-detector v15 is not pinned in staging (Pulumi.staging.yaml)" in error
    assert error.count("\n") == 1
    assert (stacks / "Pulumi.prod.yaml").read_bytes() == before
    assert promote(stacks, "prod", "fraud", "15", "--force") == 0
    assert b"modelPackageVersion: 15" in (stacks / "Pulumi.prod.yaml").read_bytes()


def test_dev_is_first_and_a_family_name_pins_its_endpoints(stacks: Path, moto: None) -> None:
    register("mlops-dev-fraud-detector", ["Approved"])
    assert promote(stacks, "dev", "fraud-detector", "1") == 0
    config = load_stack_file(stacks / "Pulumi.dev.yaml")
    assert [
        e.model_package_version for e in config.serving.endpoints if e.model == "fraud-detector"
    ] == [1]


def test_unknown_endpoint_is_one_line(
    stacks: Path, moto: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert promote(stacks, "prod", "nope", "1") == 2
    error = capsys.readouterr().err
    assert "no endpoint or model family 'nope' (endpoints: fraud, churn, merchant-risk)" in error
