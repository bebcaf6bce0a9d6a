"""Karpenter and Kueue custom resources: valid against their CRDs, and the shape issue 16 asks.

Every custom resource of every shipped plan validates strictly against the CRD of the
pinned release (`tests/crds.py`); the prod plan holds the controllers, pools and queues;
queues stay within the namespace ceilings and the pools' GPU limits.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from components import catalog
from components.training_cluster.karpenter import DISCOVERY_TAG, INTERRUPTION_EVENTS
from components.training_cluster.pool_args import KUEUE_CHART_VERSION
from infra.plan import Plan
from tests.crds import crd_groups, crd_schemas, validate_custom_resource
from tests.helpers import by_urn, of_type

NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
CLUSTER_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue"
LOCAL_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue"
FLAVOR = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
RELEASE = "kubernetes:helm.sh/v3:Release"
GPU = "nvidia.com/gpu"


def custom_resources(plan: Plan) -> list[dict[str, Any]]:
    groups = crd_groups()
    return [
        r
        for r in plan.resources
        if r["type"].startswith("kubernetes:") and r["type"].split(":")[1].split("/")[0] in groups
    ]


def release(plan: Plan, chart_name: str) -> dict[str, Any]:
    (found,) = [r for r in of_type(plan, RELEASE) if r["inputs"]["name"] == chart_name]
    return found


def quantity(value: str) -> int:
    """Whole units of a Kubernetes quantity as the platform writes them (`8`, `512Gi`)."""
    return int(value[:-2]) if value.endswith("Gi") else int(value)


def test_every_custom_resource_validates_against_its_crd(any_shipped_plan: Plan) -> None:
    resources = custom_resources(any_shipped_plan)
    assert resources, "a shipped stack with pools renders custom resources"
    failures = {r["name"]: validate_custom_resource(r["inputs"]) for r in resources}
    assert {name: errors for name, errors in failures.items() if errors} == {}


@pytest.mark.parametrize(
    ("label", "kind", "change"),
    [
        ("unknown field", NODE_POOL, lambda b: b["spec"].update(nodeClass="x")),
        ("wrong type", NODE_POOL, lambda b: b["spec"]["limits"].update(cpu=[1])),
        ("unknown nested field", NODE_POOL, lambda b: b["spec"]["disruption"].update(budget="10%")),
        ("bad enum", NODE_POOL,
         lambda b: b["spec"]["disruption"].update(consolidationPolicy="Always")),
        ("duplicate set item", NODE_POOL, lambda b: b["spec"]["disruption"].update(
            budgets=[{"nodes": "10%", "reasons": ["Empty", "Empty"]}])),
        # CEL rules of the CRD, which the API server evaluates after the schema.
        ("restricted label", NODE_POOL,
         lambda b: b["spec"]["template"]["metadata"]["labels"].update(
            {"karpenter.sh/nodepool": "x"})),
        ("restricted requirement key", NODE_POOL, lambda b: b["spec"]["template"]["spec"][
            "requirements"].append({"key": "karpenter.k8s.aws/instance-foo",
                                    "operator": "Exists"})),
        ("In without values", NODE_POOL,
         lambda b: b["spec"]["template"]["spec"]["requirements"].append(
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": []})),
        ("schedule without duration", NODE_POOL, lambda b: b["spec"]["disruption"].update(
            budgets=[{"nodes": "0", "schedule": "@daily"}])),
        ("reservation id with tags", NODE_CLASS, lambda b: b["spec"].update(
            capacityReservationSelectorTerms=[{"id": "cr-0a1b", "tags": {"a": "b"}}])),
        ("empty reservation term", NODE_CLASS, lambda b: b["spec"].update(
            capacityReservationSelectorTerms=[{"ownerID": "123456789012"}])),
        ("AL2 family with an AL2023 alias", NODE_CLASS,
         lambda b: b["spec"].update(amiFamily="AL2")),
        ("role and instance profile", NODE_CLASS,
         lambda b: b["spec"].update(instanceProfile="x")),
        ("empty subnet tag value", NODE_CLASS, lambda b: b["spec"].update(
            subnetSelectorTerms=[{"tags": {"karpenter.sh/discovery": ""}}])),
    ],
)  # fmt: skip
def test_the_crd_validator_rejects(
    shipped_plan: Callable[[str], Plan],
    label: str,
    kind: str,
    change: Callable[[dict[str, Any]], None],
) -> None:
    body = copy.deepcopy(of_type(shipped_plan("prod"), kind)[0]["inputs"])
    assert validate_custom_resource(body) == []
    change(body)
    assert validate_custom_resource(body), label


def test_crds_are_the_pinned_releases() -> None:
    kinds = {kind for _, kind in crd_schemas()}
    assert {"NodePool", "EC2NodeClass", "ClusterQueue", "LocalQueue", "ResourceFlavor"} <= kinds
    assert KUEUE_CHART_VERSION == "0.19.2"  # the release tests/crds.py names
    assert {v.karpenter_chart_version for v in catalog.kubernetes_versions()} == {"1.14.1"}


def test_prod_holds_karpenter_kueue_and_the_pools(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    pools = {r["inputs"]["metadata"]["name"]: r for r in of_type(plan, NODE_POOL)}
    classes = {r["inputs"]["metadata"]["name"] for r in of_type(plan, NODE_CLASS)}
    kinds = [p["inputs"]["spec"]["template"]["metadata"]["labels"]["mlops-platform/node-kind"]
             for p in pools.values()]  # fmt: skip
    assert kinds.count("cpu") >= 1 and kinds.count("gpu") >= 2
    assert set(pools) == classes
    queues = [q["inputs"]["name"] for q in of_type(plan, "aws:sqs/queue:Queue")]
    assert [q for q in queues if "karpenter" in q] == ["mlops-prod-training-karpenter"]
    rules = of_type(plan, "aws:cloudwatch/eventRule:EventRule")
    assert len([r for r in rules if "karpenter" in r["name"]]) == len(INTERRUPTION_EVENTS)
    entries = [r["inputs"] for r in of_type(plan, "aws:eks/accessEntry:AccessEntry")]
    assert any(e["type"] == "EC2_LINUX" for e in entries)
    associations = of_type(plan, "aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert any(a["inputs"]["serviceAccount"] == "karpenter" for a in associations)
    karpenter, kueue = release(plan, "karpenter"), release(plan, "kueue")
    version = catalog.kubernetes_version(plan.config.training.kubernetes_version)
    assert version is not None
    assert karpenter["inputs"]["version"] == version.karpenter_chart_version
    assert kueue["inputs"]["version"] == KUEUE_CHART_VERSION
    teams = {t.name for t in plan.config.training.teams}
    queues = of_type(plan, CLUSTER_QUEUE)
    assert {q["inputs"]["metadata"]["name"] for q in queues} == teams
    assert len({q["inputs"]["spec"]["cohortName"] for q in queues}) == 1
    local = {(q["inputs"]["metadata"]["namespace"], q["inputs"]["spec"]["clusterQueue"])
             for q in of_type(plan, LOCAL_QUEUE)}  # fmt: skip
    assert local == {(team, team) for team in teams}


def test_crds_come_before_their_objects(any_shipped_plan: Plan) -> None:
    urns = by_urn(any_shipped_plan)
    for resource in custom_resources(any_shipped_plan):
        chart = "karpenter" if "karpenter" in resource["type"] else "kueue"
        closure, todo = set(), list(resource["dependsOn"])
        while todo:
            urn = todo.pop()
            if urn not in closure:
                closure.add(urn)
                todo += urns[urn]["dependsOn"]
        charts = [urns[u]["inputs"]["name"] for u in closure if urns[u]["type"] == RELEASE]
        assert chart in charts, resource["name"]


def test_node_classes_are_secure_and_find_the_cluster(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (key,) = of_type(plan, "aws:kms/key:Key")
    subnets = [s for s in of_type(plan, "aws:ec2/subnet:Subnet") if "private" in s["name"]]
    (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
    # The group EKS made for the cluster (its id as the plan mocks give it), by id: EKS
    # owns it, so it is not tagged here.
    cluster_group = f"sg-{cluster['inputs']['name']}-cluster"
    efa_pools = {p.name for p in plan.config.training.pools if p.efa}
    for node_class in of_type(plan, NODE_CLASS):
        spec = node_class["inputs"]["spec"]
        assert spec["metadataOptions"]["httpTokens"] == "required"
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
        (device,) = spec["blockDeviceMappings"]
        assert device["ebs"]["encrypted"] and device["ebs"]["volumeType"] == "gp3"
        assert device["ebs"]["kmsKeyID"].startswith("arn:aws:kms:")
        assert key["urn"] in node_class["dependsOn"]
        if node_class["inputs"]["metadata"]["name"] in efa_pools:
            continue  # one subnet and an extra group: tests/test_efa.py
        assert "placementGroupSelector" not in spec
        (subnet_term,) = spec["subnetSelectorTerms"]
        (sg_term,) = spec["securityGroupSelectorTerms"]
        assert sg_term == {"id": cluster_group}
        assert subnet_term["tags"] == {DISCOVERY_TAG: cluster["inputs"]["name"]}
        for subnet in subnets:
            assert subnet["inputs"]["tags"].items() >= subnet_term["tags"].items()


def test_node_classes_run_the_catalogs_pinned_ami(any_shipped_plan: Plan) -> None:
    """`al2023@latest` would replace every node whenever AWS publishes an AMI."""
    version = catalog.kubernetes_version(any_shipped_plan.config.training.kubernetes_version)
    assert version is not None and version.eks_ami_release.startswith("v")
    for node_class in of_type(any_shipped_plan, NODE_CLASS):
        terms = node_class["inputs"]["spec"]["amiSelectorTerms"]
        assert terms == [{"alias": f"al2023@{version.eks_ami_release}"}]


def test_every_supported_kubernetes_version_has_a_pinned_ami_release() -> None:
    for version in catalog.kubernetes_versions():
        if version.support_on(date.today()) != "ended":
            assert re.fullmatch(r"v20\d{6}", version.eks_ami_release), version.version


def test_gpu_pools_are_tainted_and_limited(any_shipped_plan: Plan) -> None:
    config = {p.name: p for p in any_shipped_plan.config.training.pools}
    for pool in of_type(any_shipped_plan, NODE_POOL):
        spec, name = pool["inputs"]["spec"], pool["inputs"]["metadata"]["name"]
        taints = spec["template"]["spec"].get("taints", [])
        assert (config[name].kind == "gpu") == any(t["key"] == GPU for t in taints)
        assert spec["limits"]["cpu"] == str(config[name].limits.cpu)
        assert spec["limits"].get(GPU) == (
            str(config[name].limits.gpus) if config[name].limits.gpus else None
        )
        assert "replicas" not in spec  # dynamic pools: no nodes while nothing is pending


def test_queue_quotas_fit_namespaces_and_pools(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    ceilings = {
        q["inputs"]["metadata"]["namespace"]: q["inputs"]["spec"]["hard"]
        for q in of_type(plan, "kubernetes:core/v1:ResourceQuota")
    }
    pool_gpus = {
        p["inputs"]["metadata"]["name"]: int(p["inputs"]["spec"]["limits"].get(GPU, "0"))
        for p in of_type(plan, NODE_POOL)
    }
    per_flavor: dict[str, int] = {}
    for queue in of_type(plan, CLUSTER_QUEUE):
        team = queue["inputs"]["metadata"]["name"]
        totals: dict[str, int] = {}
        (group,) = queue["inputs"]["spec"]["resourceGroups"]
        for flavor in group["flavors"]:
            for resource in flavor["resources"]:
                amount = quantity(resource["nominalQuota"])
                totals[resource["name"]] = totals.get(resource["name"], 0) + amount
                if resource["name"] == GPU:
                    per_flavor[flavor["name"]] = per_flavor.get(flavor["name"], 0) + amount
        hard = ceilings[team]
        assert totals["cpu"] <= quantity(hard["requests.cpu"]), team
        assert totals["memory"] <= quantity(hard["requests.memory"]), team
        assert totals[GPU] <= quantity(hard[f"requests.{GPU}"]), team
    assert per_flavor, "the queues hold GPU quota"
    for flavor, gpus in per_flavor.items():
        assert gpus <= pool_gpus[flavor], flavor
