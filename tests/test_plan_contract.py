"""`mlops-platform plan STACK --json FILE` writes the documented plan document."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.cli import main
from infra.config.base import SECRET_PLACEHOLDER
from infra.plan import Plan, build_plan
from tests.helpers import of_type
from tests.stacks import non_prod_stacks

STATEFUL_FOUNDATION_TYPES = ("aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup",
                             "aws:s3/bucket:Bucket")  # fmt: skip


def test_prod_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", "prod", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert set(doc) == {"project", "stack", "environment", "resources", "outputs", "summary",
                        "policy", "suppressed", "cost", "pending"}  # fmt: skip
    assert (doc["project"], doc["stack"], doc["environment"]) == ("mlops-platform", "prod", "prod")
    urns = {r["urn"] for r in doc["resources"]}
    for resource in doc["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent", "custom", "protect",
                                 "retainOnDelete", "dependsOn", "inputs"}  # fmt: skip
        assert resource["parent"] is None or resource["parent"] in urns
        assert set(resource["dependsOn"]) <= urns
    types = doc["summary"]["byType"]
    assert doc["summary"]["total"] == len(doc["resources"]) == sum(types.values())
    assert types["aws:ec2/vpc:Vpc"] == 1
    assert types["aws:ec2/natGateway:NatGateway"] == 3
    assert types["aws:ec2/flowLog:FlowLog"] == 1
    assert doc["outputs"]["vpcId"]
    assert len(doc["outputs"]["privateSubnetIds"]) >= 3
    assert isinstance(doc["cost"]["monthlyUsd"], int | float)
    assert isinstance(doc["policy"], list)
    assert doc["suppressed"] == []
    # The human table is printed too.
    assert "prod (prod, eu-west-1)" in capsys.readouterr().out


def test_json_to_stdout_is_only_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "dev", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["stack"] == "dev"


def test_a_fork_plans_under_its_own_stack_name(tmp_path: Path) -> None:
    fork = tmp_path / "Pulumi.eu-ml.yaml"
    fork.write_text((Path("stacks") / "Pulumi.dev.yaml").read_text())
    out = tmp_path / "fork.json"
    assert main(["plan", "eu-ml", "--config", str(fork), "--json", str(out), "--quiet"]) == 0
    doc = json.loads(out.read_text())
    assert doc["stack"] == "eu-ml"
    assert all(r["urn"].startswith("urn:pulumi:eu-ml::mlops-platform::") for r in doc["resources"])


def test_prod_stateful_resources_are_protected_and_retained(
    shipped_plan: Callable[[str], Plan],
) -> None:
    stateful = [r for t in STATEFUL_FOUNDATION_TYPES for r in of_type(shipped_plan("prod"), t)]
    assert stateful
    assert [r["urn"] for r in stateful if not (r["protect"] and r["retainOnDelete"])] == []


@pytest.mark.parametrize("stack", non_prod_stacks())
def test_non_prod_resources_can_be_torn_down(
    stack: str, shipped_plan: Callable[[str], Plan]
) -> None:
    assert not [r["urn"] for r in shipped_plan(stack).resources if r["protect"]]


def test_every_taggable_resource_carries_the_ownership_tags(any_shipped_plan: Plan) -> None:
    for resource in any_shipped_plan.resources:
        tags = resource["inputs"].get("tags")
        if tags is None:
            continue
        assert tags["environment"] == any_shipped_plan.environment, resource["urn"]
        assert tags["owner"] and tags["cost-center"], resource["urn"]


def test_secure_values_plan_offline_as_placeholders(tmp_path: Path) -> None:
    """`secure:` values need the stack's secrets provider; the plan stands in for them."""
    from tests.helpers import BASE_STACK, write_stack

    config = {
        **BASE_STACK,
        "mlops-platform:tags": {
            "owner": "ml-platform",
            "costCenter": "4711",
            "extra": {"billing-ref": {"secure": "v1:AAAA"}},
        },
    }
    plan = build_plan("fork", write_stack(tmp_path, config))
    (key,) = of_type(plan, "aws:kms/key:Key")
    assert key["inputs"]["tags"]["billing-ref"] == SECRET_PLACEHOLDER
