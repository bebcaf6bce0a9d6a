"""First deploy of a private cluster: the AWS layer from outside the VPC, then the rest from
the stack's in-VPC runner (README "First deploy of a private cluster").

Phase one (`training.kubernetesObjects: false`) must plan nothing that talks to the cluster
API, yet everything phase two needs to reach it: the cluster, the runner and the CI roles'
access entries. Phase two (the stack file as committed) only adds to phase one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.cli import main
from infra.plan import Plan, build_plan
from tests.helpers import of_type
from tests.stacks import STACKS_DIR

# Stacks whose cluster API is private: they deploy in two phases the first time.
PRIVATE_STACKS = ("staging", "prod")


def phase_one_stack(directory: Path, stack: str) -> Path:
    """The shipped stack file with the Kubernetes layer off, as the administrator sets it."""
    data = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    data["config"].setdefault("mlops-platform:training", {})["kubernetesObjects"] = False
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=PRIVATE_STACKS)
def phases(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    shipped_plan: Callable[[str], Plan],
) -> tuple[Plan, Plan]:
    stack = request.param
    one = build_plan(stack, phase_one_stack(tmp_path_factory.mktemp("phase1"), stack))
    return one, shipped_plan(stack)


def kubernetes_resources(plan: Plan) -> list[dict[str, Any]]:
    return [
        r
        for r in plan.resources
        if r["type"].startswith(("kubernetes:", "pulumi:providers:kubernetes"))
    ]


def test_phase_one_plans_nothing_on_the_cluster_api(phases: tuple[Plan, Plan]) -> None:
    one, two = phases
    assert kubernetes_resources(one) == []
    assert kubernetes_resources(two), "the full deploy applies the Kubernetes objects"


def test_phase_one_makes_what_phase_two_needs_to_reach_the_private_api(
    phases: tuple[Plan, Plan],
) -> None:
    one, _ = phases
    (cluster,) = of_type(one, "aws:eks/cluster:Cluster")
    assert cluster["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    (project,) = of_type(one, "aws:codebuild/project:Project")
    assert project["inputs"]["vpcConfig"]["subnets"] == one.outputs["privateSubnetIds"]
    assert len(of_type(one, "aws:codebuild/webhook:Webhook")) == 1
    rules = of_type(one, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [r for r in rules if r["name"] == "ci-runner-cluster-https-in"]
    access = {
        a["inputs"]["principalArn"]: a["inputs"]["policyArn"].rsplit("/", 1)[-1]
        for a in of_type(one, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    assert access[one.outputs["ciDeployRoleArn"]] == "AmazonEKSClusterAdminPolicy"
    assert access[one.outputs["ciPreviewRoleArn"]] == "AmazonEKSViewPolicy"
    entries = {e["inputs"]["principalArn"] for e in of_type(one, "aws:eks/accessEntry:AccessEntry")}
    assert entries == set(access)


def test_phase_two_only_adds_to_phase_one(phases: tuple[Plan, Plan]) -> None:
    """Nothing phase one made is changed or replaced when the runner deploys the rest."""
    one, two = phases
    full = {r["urn"]: r for r in two.resources}
    missing = [r["urn"] for r in one.resources if r["urn"] not in full]
    assert missing == []
    changed = [r["urn"] for r in one.resources if r["inputs"] != full[r["urn"]]["inputs"]]
    assert changed == []


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
def test_phase_one_plans_clean(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = phase_one_stack(tmp_path, stack)
    out = tmp_path / "plan.json"
    assert main(["plan", stack, "--config", str(path), "--quiet", "--json", str(out)]) == 0
    assert " 0 mandatory / " in capsys.readouterr().out
    document = json.loads(out.read_text(encoding="utf-8"))
    assert not [t for t in document["summary"]["byType"] if t.startswith("kubernetes:")]


def test_flipping_the_creator_setting_is_flagged_as_replacing_the_cluster(
    tmp_path: Path, shipped_plan: Callable[[str], Plan], capsys: pytest.CaptureFixture[str]
) -> None:
    """EKS reads it only at creation (ForceNew): the review gate must show a replacement."""
    data = yaml.safe_load((STACKS_DIR / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
    data["config"]["mlops-platform:training"]["clusterCreatorAdmin"] = True
    kept = tmp_path / "Pulumi.prod.yaml"
    kept.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    before.write_text(json.dumps(build_plan("prod", kept).document()), encoding="utf-8")
    after.write_text(json.dumps(shipped_plan("prod").document()), encoding="utf-8")
    assert main(["diff", str(before), str(after), "--fail-on-data-loss"]) == 3
    out = capsys.readouterr().out
    assert (
        "aws:eks/cluster:Cluster 'training' changes accessConfig, which forces a replacement" in out
    )
    assert "bootstrapClusterCreatorAdminPermissions: true -> false" in out
