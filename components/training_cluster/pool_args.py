"""Typed inputs of the Karpenter node pools and the Kueue queues of a TrainingCluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

PoolKind = Literal["cpu", "gpu"]
CapacityType = Literal["spot", "on-demand", "reserved"]
ConsolidationPolicy = Literal["WhenEmpty", "WhenEmptyOrUnderutilized"]

# Pinned Kueue release: the tests validate its custom resources against this release's CRDs.
KUEUE_CHART = "oci://registry.k8s.io/kueue/charts/kueue"
KUEUE_CHART_VERSION = "0.19.2"
KARPENTER_CHART = "oci://public.ecr.aws/karpenter/karpenter"


@dataclass(frozen=True)
class CapacityReservationSelector:
    """Capacity reservations of this account a pool's `reserved` capacity launches into.

    Args:
        id: One reservation (`cr-...`); exclusive with the other fields.
        tags: Every reservation of this account with all these tags (`*` matches any value).
        instance_match_criteria: With tags, only `open` or only `targeted` reservations.
    """

    id: str | None = None
    tags: Mapping[str, str] | None = None
    instance_match_criteria: Literal["open", "targeted"] | None = None


@dataclass
class PoolArgs:
    """One Karpenter node pool: a `NodePool` and its `EC2NodeClass`.

    Args:
        name: Pool name, unique in the cluster; also its Kueue `ResourceFlavor`.
        kind: `cpu` or `gpu`; GPU nodes get the `nvidia.com/gpu=true:NoSchedule` taint.
        instance_types: EC2 instance types Karpenter may launch (one architecture).
        capacity_types: `reserved`, `spot` and/or `on-demand`; Karpenter prefers them in
            that order.
        capacity_reservations: Reservations (ODCRs, Capacity Blocks) `reserved` launches
            into; required with `reserved`.
        cpu_limit: vCPUs over all nodes of the pool (Karpenter stops launching above it).
        memory_limit_gib: Memory over all nodes, if limited.
        gpu_limit: `nvidia.com/gpu` over all nodes (GPU pools).
        consolidation_policy: `WhenEmpty` or `WhenEmptyOrUnderutilized`.
        consolidate_after: How long a node stays empty or under-used before it goes.
        disruption_budget_percent: Share of the pool's nodes disrupted at once (0 = none).
        expire_after: Node lifetime before replacement (`Never` keeps nodes).
        disk_size_gib: Encrypted gp3 root volume size.
        weight: Preference among pools that fit a pod (higher first).
        ami_alias: EKS AL2023 AMI alias (`al2023@v20260714`); None: the catalog's pinned
            release for the cluster's Kubernetes version. `al2023@latest` would replace
            every node of the pool whenever AWS publishes an AMI.
        efa: Multi-node GPU training over Elastic Fabric Adapter (GPU pools of EFA-capable
            types): nodes launch in one subnet and a cluster placement group, with a security
            group open to itself, and are tainted `vpc.amazonaws.com/efa=true:NoSchedule`.
    """

    name: str
    kind: PoolKind
    instance_types: Sequence[str]
    cpu_limit: int
    capacity_types: Sequence[CapacityType] = ("on-demand",)
    capacity_reservations: Sequence[CapacityReservationSelector] = ()
    memory_limit_gib: int | None = None
    gpu_limit: int | None = None
    consolidation_policy: ConsolidationPolicy = "WhenEmptyOrUnderutilized"
    consolidate_after: str = "5m"
    disruption_budget_percent: int = 10
    expire_after: str = "720h"
    disk_size_gib: int = 100
    weight: int | None = None
    ami_alias: str | None = None
    efa: bool = False


@dataclass
class QueueingArgs:
    """Kueue on the cluster: a queue per team over the pools.

    Args:
        chart_version: Pinned Kueue Helm chart version.
        cohort: Cohort of the team ClusterQueues: unused quota of one team is lent to others.
        priority_classes: PriorityClass name -> value; jobs name one to order their queue
            and to preempt lower-priority workloads.
    """

    chart_version: str = KUEUE_CHART_VERSION
    cohort: str = "training"
    priority_classes: Sequence[tuple[str, int]] = (
        ("training-low", 100),
        ("training-normal", 1000),
        ("training-high", 10000),
    )
