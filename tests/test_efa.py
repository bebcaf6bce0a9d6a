"""EFA pools: multi-node GPU training over Elastic Fabric Adapter.

Through the shipped plans (prod has an EFA pool, dev and staging none): the pool's node
class and node pool validate against the pinned Karpenter CRDs and launch in one subnet, in
a cluster placement group, with a security group open only to itself; the EFA device plugin
exists exactly when an EFA pool does and runs on its nodes; Kueue admits only jobs that
tolerate EFA to the pool. Through the CLI: stack files asking EFA of the wrong pool or type
are refused with one line naming the key path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components import catalog
from components.training_cluster.efa_device_plugin import (
    EFA_CHART,
    EFA_CHART_VERSION,
    EFA_REPOSITORY,
    efa_device_plugin_values,
)
from components.training_cluster.helm_values import EfaDevicePluginValues
from infra.cli import main
from infra.plan import Plan
from tests.config.test_pool_config import with_pools
from tests.config.test_training_config import stack
from tests.crds import validate_custom_resource
from tests.helpers import of_type, write_stack
from tests.test_helm_values import unknown_keys

NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
FLAVOR = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
RELEASE = "kubernetes:helm.sh/v3:Release"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
PLACEMENT_GROUP = "aws:ec2/placementGroup:PlacementGroup"
EFA = "vpc.amazonaws.com/efa"
EFA_TAINT = {"key": EFA, "value": "true", "effect": "NoSchedule"}


def named(plan: Plan, type_token: str) -> dict[str, dict[str, Any]]:
    """Kubernetes objects of a type by their metadata name."""
    return {r["inputs"]["metadata"]["name"]: r for r in of_type(plan, type_token)}


def efa_pools(plan: Plan) -> list[str]:
    return [p.name for p in plan.config.training.pools if p.efa]


@pytest.fixture
def prod(shipped_plan: Callable[[str], Plan]) -> Plan:
    plan = shipped_plan("prod")
    assert efa_pools(plan), "prod ships an EFA pool"
    return plan


def _efa_group(plan: Plan, node_class: dict[str, Any]) -> dict[str, Any]:
    """The security group an EFA node class selects by tag (exactly one)."""
    tag_terms = [t["tags"] for t in node_class["inputs"]["spec"]["securityGroupSelectorTerms"]
                 if "tags" in t]  # fmt: skip
    (tags,) = tag_terms
    groups = of_type(plan, SECURITY_GROUP)
    (group,) = [g for g in groups if g["inputs"]["tags"].items() >= tags.items()]
    return group


def test_efa_node_class_and_pool_validate_strictly(prod: Plan) -> None:
    classes, pools = named(prod, NODE_CLASS), named(prod, NODE_POOL)
    for name in efa_pools(prod):
        for resource in (classes[name], pools[name]):
            assert validate_custom_resource(resource["inputs"]) == []
        # The validator is strict: a field the pinned CRD lacks is refused.
        broken = copy.deepcopy(classes[name]["inputs"])
        broken["spec"]["placementGroupSelector"]["strategy"] = "cluster"
        assert validate_custom_resource(broken) != []


def test_efa_pool_launches_in_one_subnet_and_its_placement_group(prod: Plan) -> None:
    (cluster,) = of_type(prod, "aws:eks/cluster:Cluster")
    first_private = cluster["inputs"]["vpcConfig"]["subnetIds"][0]
    placement = {g["inputs"]["name"]: g for g in of_type(prod, PLACEMENT_GROUP)}
    classes = named(prod, NODE_CLASS)
    for name in efa_pools(prod):
        spec = classes[name]["inputs"]["spec"]
        assert spec["subnetSelectorTerms"] == [{"id": first_private}]
        group_name = spec["placementGroupSelector"]["name"]
        assert placement[group_name]["inputs"]["strategy"] == "cluster"
        # The cluster's own group stays; the EFA group is added beside it.
        assert {"id": f"sg-{cluster['inputs']['name']}-cluster"} in spec[
            "securityGroupSelectorTerms"
        ]
    # Only EFA pools get placement groups.
    assert len(placement) == len(efa_pools(prod))


def test_only_efa_nodes_lift_the_memlock_limit(any_shipped_plan: Plan) -> None:
    efa = set(efa_pools(any_shipped_plan))
    for name, node_class in named(any_shipped_plan, NODE_CLASS).items():
        user_data = node_class["inputs"]["spec"].get("userData", "")
        assert ("LimitMEMLOCK=infinity" in user_data) == (name in efa), name
        if name in efa:
            # AL2023 user data is a MIME multi-part archive; the script part is bash.
            assert user_data.startswith("MIME-Version: 1.0\n")
            script = 'Content-Type: text/x-shellscript; charset="us-ascii"\n\n#!/bin/bash\n'
            assert script in user_data
            assert "containerd.service.d/" in user_data and user_data.endswith("--//--\n")


def test_efa_security_group_admits_only_itself_both_ways(prod: Plan) -> None:
    classes = named(prod, NODE_CLASS)
    for name in efa_pools(prod):
        group = _efa_group(prod, classes[name])
        group_id = f"{group['inputs']['name']}-id"  # the mocks' id of the group
        assert "ingress" not in group["inputs"] and "egress" not in group["inputs"]
        assert group["inputs"]["tags"]["stack"] == prod.stack
        for rule_type in (INGRESS, EGRESS):
            rules = [r for r in of_type(prod, rule_type)
                     if r["inputs"]["securityGroupId"] == group_id]  # fmt: skip
            (rule,) = rules
            assert rule["inputs"]["ipProtocol"] == "-1"  # every protocol, every port
            assert rule["inputs"]["referencedSecurityGroupId"] == group_id
            assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule["inputs"])


def test_efa_nodes_are_tainted_and_labelled_only_in_efa_pools(
    any_shipped_plan: Plan,
) -> None:
    efa = set(efa_pools(any_shipped_plan))
    for name, pool in named(any_shipped_plan, NODE_POOL).items():
        template = pool["inputs"]["spec"]["template"]
        taints = template["spec"].get("taints", [])
        assert (EFA_TAINT in taints) == (name in efa), name
        assert (template["metadata"]["labels"].get("mlops-platform/efa") == "true") == (name in efa)


def test_device_plugin_only_with_an_efa_pool_and_on_its_nodes(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    releases = [r for r in of_type(plan, RELEASE) if r["inputs"]["chart"] == EFA_CHART]
    if not efa_pools(plan):
        assert releases == []
        return
    (release,) = releases
    inputs = release["inputs"]
    assert inputs["version"] == EFA_CHART_VERSION
    assert inputs["repositoryOpts"]["repo"] == EFA_REPOSITORY
    values = inputs["values"]
    assert unknown_keys(values, EfaDevicePluginValues) == []
    registry = catalog.eks_image_registry(plan.config.region)
    assert values["image"]["repository"] == f"{registry}/eks/{EFA_CHART}"
    pools = named(plan, NODE_POOL)
    for name in efa_pools(plan):
        template = pools[name]["inputs"]["spec"]["template"]
        assert values["nodeSelector"].items() <= template["metadata"]["labels"].items()
        for taint in template["spec"]["taints"]:
            assert {**taint, "operator": "Equal"} in values["tolerations"], taint


def test_kueue_admits_only_efa_jobs_to_the_efa_flavor(prod: Plan) -> None:
    flavors = named(prod, FLAVOR)
    for name in efa_pools(prod):
        spec = flavors[name]["inputs"]["spec"]
        assert spec["nodeTaints"] == [EFA_TAINT]
        assert all(t["key"] != EFA for t in spec["tolerations"])
    for name, flavor in flavors.items():
        if name not in efa_pools(prod):
            assert "nodeTaints" not in flavor["inputs"]["spec"]


def test_efa_quota_is_the_interfaces_of_the_nodes_the_gpus_fill(prod: Plan) -> None:
    pools = {p.name: p for p in prod.config.training.pools}
    quotas = prod.config.training.team_gpu_quotas()
    seen = 0
    for queue in of_type(prod, CLUSTER_QUEUE):
        team = queue["inputs"]["metadata"]["name"]
        (group,) = queue["inputs"]["spec"]["resourceGroups"]
        assert EFA in group["coveredResources"]
        for flavor in group["flavors"]:
            amounts = {r["name"]: r["nominalQuota"] for r in flavor["resources"]}
            pool = pools[flavor["name"]]
            gpus = quotas[team].get(pool.name, 0)
            spec = catalog.instance_type(pool.instance_types[0])
            assert spec is not None
            expected = -(-gpus // spec.gpus) * spec.efa_interfaces if pool.efa and gpus else 0
            assert amounts[EFA] == str(expected), (team, pool.name)
            seen += expected
    assert seen, "a team queues EFA jobs in prod"


def test_no_efa_quota_without_an_efa_pool(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("dev")
    assert not efa_pools(plan)
    for queue in of_type(plan, CLUSTER_QUEUE):
        (group,) = queue["inputs"]["spec"]["resourceGroups"]
        assert EFA not in group["coveredResources"]
    assert of_type(plan, PLACEMENT_GROUP) == []


def _efa_stack(tmp_path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    training = with_pools()
    change(training["pools"])
    return write_stack(tmp_path, stack("dev", training), name="Pulumi.efa.yaml")


def _gpu_efa(pools: list[dict[str, Any]], types: list[str]) -> None:
    pools[1]["efa"] = True
    pools[1]["instanceTypes"] = types


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (lambda p: _gpu_efa(p, ["g5.xlarge"]), "training.pools[1].instanceTypes[0]",
         "'g5.xlarge' does not support EFA"),
        (lambda p: _gpu_efa(p, ["g5.12xlarge", "g5.xlarge"]), "training.pools[1].instanceTypes[1]",
         "'g5.xlarge' does not support EFA"),
        (lambda p: p[0].update(efa=True), "training.pools[0].efa",
         "EFA pools are for multi-node GPU training"),
        # p5.48xlarge has EFA, but the catalog has no eu-west-1 offering of it.
        (lambda p: _gpu_efa(p, ["p5.48xlarge"]), "training.pools[1].instanceTypes[0]",
         "eu-west-1"),
    ],
    ids=["type without EFA", "one type without EFA", "cpu pool", "not offered in the region"],
)  # fmt: skip
def test_bad_efa_pool_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[list[dict[str, Any]]], None],
    path: str,
    fragment: str,
) -> None:
    stack_file = _efa_stack(tmp_path, change)
    code = main(["plan", "efa", "--config", str(stack_file)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {stack_file}: {path}"), err
    assert fragment in err, err


def test_an_efa_gpu_pool_of_efa_types_loads(tmp_path: Path) -> None:
    from infra.config import load_stack_file

    config = load_stack_file(_efa_stack(tmp_path, lambda p: _gpu_efa(p, ["p4d.24xlarge"])))
    (pool,) = [p for p in config.training.pools if p.efa]
    assert pool.instance_types == ["p4d.24xlarge"]


def test_device_plugin_refuses_a_region_without_a_recorded_registry() -> None:
    with pytest.raises(ValueError, match="eu-central-2"):
        efa_device_plugin_values("eu-central-2")
