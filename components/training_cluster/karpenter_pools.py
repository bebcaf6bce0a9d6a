"""Karpenter pools: per configured pool an `EC2NodeClass` (how nodes launch) and a `NodePool`
(what may launch, how much, and how nodes go again).

Node classes find the cluster's private subnets by the `karpenter.sh/discovery` tag and
take the cluster security group EKS made by its id (EKS owns that group: it is not tagged
here), launch the EKS AL2023 AMI (the NVIDIA variant on GPU types),
require IMDSv2 with a hop limit of 1 (pods cannot reach the node's credentials) and encrypt
the gp3 root volume with the platform key. Pools have no minimum: with no pending pods they
hold no nodes.

An EFA pool (`efa.py`) launches in one subnet and its cluster placement group, adds its
self-referencing security group (by tag) to the cluster's, and taints and labels its nodes
so only jobs that tolerate `vpc.amazonaws.com/efa` land there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .efa import EFA_LABEL, EFA_TAINT, EFA_USER_DATA, EfaPlacement
from .node_groups import GPU_RESOURCE, NODE_KIND_LABEL, ROOT_DEVICE
from .pool_args import PoolArgs

POOL_LABEL = "mlops-platform/pool"
NODE_CLASS_API = "karpenter.k8s.aws/v1"
NODE_POOL_API = "karpenter.sh/v1"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "true", "effect": "NoSchedule"}
# Karpenter sets these itself and refuses them in a node class's tags.
_RESERVED_TAG_PREFIXES = ("karpenter.sh/", "kubernetes.io/cluster/", "eks:")


def capacity_reservation_terms(
    pool: PoolArgs, account_id: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """The node class's reservation selector terms; tag terms only match this account's
    reservations, the only ones the controller may launch into."""
    terms: list[dict[str, Any]] = []
    for selector in pool.capacity_reservations:
        if selector.id is not None:
            terms.append({"id": selector.id})
            continue
        term: dict[str, Any] = {"tags": dict(selector.tags or {}), "ownerID": account_id}
        if selector.instance_match_criteria is not None:
            term["instanceMatchCriteria"] = selector.instance_match_criteria
        terms.append(term)
    return terms


def node_class_spec(
    pool: PoolArgs,
    *,
    discovery: Mapping[str, str],
    security_group_id: pulumi.Input[str],
    role_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    account_id: pulumi.Input[str],
    efa: EfaPlacement | None = None,
) -> dict[str, Any]:
    """The EC2NodeClass spec of a pool."""
    spec: dict[str, Any] = {
        "amiSelectorTerms": [{"alias": pool.ami_alias}],
        "role": role_name,
        "subnetSelectorTerms": [{"tags": dict(discovery)}],
        "securityGroupSelectorTerms": [{"id": security_group_id}],
        "blockDeviceMappings": [
            {
                "deviceName": ROOT_DEVICE,
                "ebs": {
                    "volumeSize": f"{pool.disk_size_gib}Gi",
                    "volumeType": "gp3",
                    "encrypted": True,
                    "kmsKeyID": kms_key_arn,
                    "deleteOnTermination": True,
                },
            }
        ],
        # IMDSv2 only, one hop: containers (one hop further) cannot read node credentials.
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpProtocolIPv6": "disabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "tags": {
            key: value for key, value in tags.items() if not key.startswith(_RESERVED_TAG_PREFIXES)
        },
    }
    if pool.capacity_reservations:
        spec["capacityReservationSelectorTerms"] = capacity_reservation_terms(pool, account_id)
    if efa is not None:
        # One subnet (EFA traffic stays in a subnet; the placement group in one AZ), and the
        # EFA group beside the cluster's: selector terms are ORed, every match is attached.
        spec["subnetSelectorTerms"] = [{"id": efa.subnet_id}]
        spec["securityGroupSelectorTerms"] = [
            {"id": security_group_id},
            {"tags": dict(efa.security_group_tags)},
        ]
        spec["placementGroupSelector"] = {"name": efa.placement_group_name}
        spec["userData"] = EFA_USER_DATA  # unlimited memlock for RDMA
    return spec


def node_pool_limits(pool: PoolArgs) -> dict[str, str]:
    """Karpenter stops launching once the pool's nodes add up to these."""
    limits = {"cpu": str(pool.cpu_limit)}
    if pool.memory_limit_gib is not None:
        limits["memory"] = f"{pool.memory_limit_gib}Gi"
    if pool.gpu_limit is not None:
        limits[GPU_RESOURCE] = str(pool.gpu_limit)
    return limits


def node_pool_spec(pool: PoolArgs) -> dict[str, Any]:
    """The NodePool spec of a pool (its node class has the pool's name)."""
    template_spec: dict[str, Any] = {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": pool.name},
        "requirements": [
            {
                "key": "node.kubernetes.io/instance-type",
                "operator": "In",
                "values": list(pool.instance_types),
            },
            {
                "key": "karpenter.sh/capacity-type",
                "operator": "In",
                "values": list(pool.capacity_types),
            },
        ],
        "expireAfter": pool.expire_after,
    }
    labels = {NODE_KIND_LABEL: pool.kind, POOL_LABEL: pool.name}
    if pool.kind == "gpu":
        template_spec["taints"] = [dict(GPU_TAINT)]
    if pool.efa:
        # Only jobs that tolerate EFA (and so request it) land on these costly nodes.
        template_spec["taints"].append(dict(EFA_TAINT))
        labels[EFA_LABEL] = "true"
    spec: dict[str, Any] = {
        "template": {
            "metadata": {"labels": labels},
            "spec": template_spec,
        },
        "limits": node_pool_limits(pool),
        "disruption": {
            "consolidationPolicy": pool.consolidation_policy,
            "consolidateAfter": pool.consolidate_after,
            "budgets": [{"nodes": f"{pool.disruption_budget_percent}%"}],
        },
    }
    if pool.weight is not None:
        spec["weight"] = pool.weight
    return spec


def karpenter_pool(
    name: str,
    pool: PoolArgs,
    *,
    discovery: Mapping[str, str],
    security_group_id: pulumi.Input[str],
    role_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    account_id: pulumi.Input[str],
    provider: k8s.Provider,
    parent: pulumi.Resource,
    chart: pulumi.Resource,
    efa: EfaPlacement | None = None,
) -> k8s.apiextensions.CustomResource:
    """The pool's EC2NodeClass and NodePool; both wait for the chart that installs the CRDs
    (an EFA pool's node class also for its security and placement groups)."""
    labels = {"app.kubernetes.io/managed-by": "pulumi", POOL_LABEL: pool.name}
    node_class = k8s.apiextensions.CustomResource(
        f"{name}-node-class",
        api_version=NODE_CLASS_API,
        kind="EC2NodeClass",
        metadata={"name": pool.name, "labels": labels},
        spec=node_class_spec(
            pool,
            discovery=discovery,
            security_group_id=security_group_id,
            role_name=role_name,
            kms_key_arn=kms_key_arn,
            tags=tags,
            account_id=account_id,
            efa=efa,
        ),
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            depends_on=[chart, *(efa.resources if efa else [])],
        ),
    )
    return k8s.apiextensions.CustomResource(
        f"{name}-node-pool",
        api_version=NODE_POOL_API,
        kind="NodePool",
        metadata={"name": pool.name, "labels": labels},
        spec=node_pool_spec(pool),
        opts=pulumi.ResourceOptions(
            parent=parent, provider=provider, depends_on=[chart, node_class]
        ),
    )
