"""Kueue: teams queue their jobs on the pools and share idle quota fairly.

- The controller comes from the pinned chart, configured to gate jobs of the training
  operator and plain batch Jobs, and to admit a job's pods all together or not at all
  (`waitForPodsReady`: a job whose pods do not all start is evicted and requeued, so a
  half-started multi-node job never holds GPUs).
- One `ResourceFlavor` per pool: admitted pods get the pool's node label (and the GPU
  taint's toleration), so Karpenter launches the right nodes. An EFA pool's flavor names
  the EFA taint as a node taint without tolerating it: only jobs whose pods tolerate it
  themselves are admitted there.
- With an EFA pool, `vpc.amazonaws.com/efa` is a quota'd resource: a team's quota on an EFA
  flavor is the interfaces of the nodes its GPU quota fills, 0 everywhere else, so a job
  requesting EFA is never admitted to a flavor whose nodes lack it.
- One `ClusterQueue` per team, all in one cohort: a team's nominal quota is what it is
  guaranteed; what others leave idle it may borrow, and the owner reclaims it by
  preemption. The namespace's ResourceQuota stays the hard ceiling.
- A `LocalQueue` named `default` in each team namespace: jobs there queue without a label.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from .. import catalog
from ..helm_release import PinnedChart, pinned_release
from .args import TeamArgs
from .efa import EFA_RESOURCE, EFA_TAINT
from .helm_values import KueueValues
from .karpenter_pools import GPU_TAINT, POOL_LABEL
from .node_groups import GPU_RESOURCE, NODE_KIND_LABEL
from .pool_args import KUEUE_CHART, PoolArgs, QueueingArgs

NAMESPACE = "kueue-system"
KUEUE_API = "kueue.x-k8s.io/v1beta2"
LOCAL_QUEUE = "default"
# Job kinds Kueue gates: the training operator's TrainJob and plain batch Jobs.
INTEGRATIONS = ("batch/job", "trainer.kubeflow.org/trainjob")
PODS_READY_TIMEOUT = "10m"

Quota = dict[str, int]


def _gpu_share(pool: PoolArgs) -> tuple[int, int]:
    """vCPUs and GiB of memory per GPU on the pool's first instance type."""
    spec = catalog.instance_type(pool.instance_types[0])
    if spec is None or not spec.gpus:
        raise ValueError(f"pool '{pool.name}': '{pool.instance_types[0]}' has no GPUs")
    return spec.vcpus // spec.gpus, spec.memory_mib // 1024 // spec.gpus


def _efa_quota(pool: PoolArgs, gpus: int) -> int:
    """EFA interfaces of the nodes `gpus` GPUs fill on an EFA pool (0 on other pools)."""
    spec = catalog.instance_type(pool.instance_types[0])
    if not pool.efa or not gpus or spec is None or not spec.gpus:
        return 0
    nodes = -(-gpus // spec.gpus)  # ceiling: a partly used node still brings all its EFAs
    return nodes * spec.efa_interfaces


def covered_resources(pools: Sequence[PoolArgs]) -> list[str]:
    """Resources the queues account for; EFA only in a cluster with an EFA pool."""
    efa = [EFA_RESOURCE] if any(p.efa for p in pools) else []
    return ["cpu", "memory", GPU_RESOURCE, *efa]


def flavor_quotas(team: TeamArgs, pools: Sequence[PoolArgs]) -> dict[str, Quota]:
    """Pool -> the team's nominal cpu (cores), memory (GiB), GPUs (and EFA) on that flavor.

    GPU flavors get the team's GPUs there plus the CPU and memory those GPUs come with on
    the pool's nodes; CPU pools share what is left. The sums never exceed the namespace's
    quotas, so a queue cannot admit what the ResourceQuota would then refuse.
    """
    efa = EFA_RESOURCE in covered_resources(pools)
    cpu_left, memory_left = team.cpu_quota, team.memory_quota_gib
    quotas: dict[str, Quota] = {}
    for pool in (p for p in pools if p.kind == "gpu"):
        gpus = team.gpu_pool_quotas.get(pool.name, 0)
        cpu_per_gpu, memory_per_gpu = _gpu_share(pool) if gpus else (0, 0)
        cpu, memory = min(cpu_left, gpus * cpu_per_gpu), min(memory_left, gpus * memory_per_gpu)
        cpu_left, memory_left = cpu_left - cpu, memory_left - memory
        quotas[pool.name] = {"cpu": cpu, "memory": memory, GPU_RESOURCE: gpus}
        if efa:
            quotas[pool.name][EFA_RESOURCE] = _efa_quota(pool, gpus)
    cpu_pools = [p for p in pools if p.kind == "cpu"]
    for index, pool in enumerate(cpu_pools):
        first = index == 0
        quotas[pool.name] = {
            "cpu": cpu_left // len(cpu_pools) + (cpu_left % len(cpu_pools) if first else 0),
            "memory": memory_left // len(cpu_pools)
            + (memory_left % len(cpu_pools) if first else 0),
            GPU_RESOURCE: 0,
            **({EFA_RESOURCE: 0} if efa else {}),
        }
    # CPU flavors first: CPU-only pods try the cheap nodes before spilling onto GPU nodes.
    return {p.name: quotas[p.name] for p in [*cpu_pools, *(p for p in pools if p.kind == "gpu")]}


def resource_flavor_spec(pool: PoolArgs) -> dict[str, Any]:
    spec: dict[str, Any] = {"nodeLabels": {POOL_LABEL: pool.name}}
    if pool.kind == "gpu":
        spec["tolerations"] = [{**GPU_TAINT, "operator": "Equal"}]
    if pool.efa:
        # Not tolerated by the flavor: the job's own pods must tolerate it to be admitted.
        spec["nodeTaints"] = [dict(EFA_TAINT)]
    return spec


def cluster_queue_spec(team: TeamArgs, pools: Sequence[PoolArgs], cohort: str) -> dict[str, Any]:
    quotas = flavor_quotas(team, pools)
    return {
        "cohortName": cohort,
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": team.name}},
        "queueingStrategy": "BestEffortFIFO",
        "preemption": {"reclaimWithinCohort": "Any", "withinClusterQueue": "LowerPriority"},
        "resourceGroups": [
            {
                "coveredResources": covered_resources(pools),
                "flavors": [
                    {
                        "name": flavor,
                        "resources": [
                            {
                                "name": resource,
                                "nominalQuota": f"{quota[resource]}Gi"
                                if resource == "memory"
                                else str(quota[resource]),
                            }
                            for resource in covered_resources(pools)
                        ],
                    }
                    for flavor, quota in quotas.items()
                ],
            }
        ],
    }


def kueue_values(replicas: int) -> KueueValues:
    """Chart values: controller on the system nodes, the platform's manager configuration."""
    # The chart takes this document whole (no merge with its default), so it restates the
    # default's probes, metrics, webhook and leader election along with what changes.
    config = {
        "apiVersion": "config.kueue.x-k8s.io/v1beta2",
        "kind": "Configuration",
        "health": {"healthProbeBindAddress": ":8081"},
        "metrics": {"bindAddress": ":8443"},
        "webhook": {"port": 9443},
        "leaderElection": {"leaderElect": True, "resourceName": "c1f6bfd2.kueue.x-k8s.io"},
        "clientConnection": {"qps": 50, "burst": 100},
        "integrations": {"frameworks": list(INTEGRATIONS)},
        # All-or-nothing: pods not all running within the timeout release the quota and
        # requeue the job; the next job waits until the current one is fully up.
        "waitForPodsReady": {
            "timeout": PODS_READY_TIMEOUT,
            "blockAdmission": True,
            "requeuingStrategy": {"timestamp": "Eviction", "backoffLimitCount": 5},
        },
    }
    return {
        "controllerManager": {
            "replicas": replicas,
            "manager": {
                "resources": {
                    "requests": {"cpu": "500m", "memory": "512Mi"},
                    "limits": {"memory": "1Gi"},
                }
            },
            "nodeSelector": {NODE_KIND_LABEL: "system"},
            "tolerations": [],
        },
        "enableCertManager": False,
        "enablePrometheus": False,
        "managerConfig": {
            "controllerManagerConfigYaml": json.dumps(config, indent=2, sort_keys=True)
        },
    }


def _custom(
    name: str,
    kind: str,
    metadata: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
    spec: Mapping[str, Any],
) -> k8s.apiextensions.CustomResource:
    labels = {"app.kubernetes.io/managed-by": "pulumi"}
    return k8s.apiextensions.CustomResource(
        name, api_version=KUEUE_API, kind=kind, metadata={**metadata, "labels": labels},
        opts=opts, spec=spec,
    )  # fmt: skip


def kueue(
    name: str,
    queueing: QueueingArgs,
    *,
    replicas: int,
    pools: Sequence[PoolArgs],
    teams: Sequence[TeamArgs],
    team_namespaces: Mapping[str, pulumi.Resource],
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.helm.v3.Release:
    """The pinned chart, then flavors, priority classes, and each team's queues."""
    release = pinned_release(
        f"{name}-kueue",
        PinnedChart("kueue", KUEUE_CHART, queueing.chart_version),
        namespace=NAMESPACE,
        create_namespace=True,
        values=kueue_values(replicas),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[*depends_on]),
    )
    after = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[release])
    flavors = [
        _custom(f"{name}-flavor-{p.name}", "ResourceFlavor", {"name": p.name}, after,
                spec=resource_flavor_spec(p))
        for p in pools
    ]  # fmt: skip
    # Kueue orders and preempts workloads by their pods' PriorityClass.
    for priority, value in queueing.priority_classes:
        k8s.scheduling.v1.PriorityClass(
            f"{name}-priority-{priority}",
            metadata={"name": priority, "labels": {"app.kubernetes.io/managed-by": "pulumi"}},
            value=value,
            global_default=False,
            preemption_policy="PreemptLowerPriority",
            description=f"Training workloads queued by Kueue: {priority}",
            opts=pulumi.ResourceOptions(parent=parent, provider=provider),
        )
    for team in teams:
        queue = _custom(
            f"{name}-queue-{team.name}", "ClusterQueue", {"name": team.name},
            pulumi.ResourceOptions(parent=parent, provider=provider,
                                   depends_on=[release, *flavors]),
            spec=cluster_queue_spec(team, pools, queueing.cohort),
        )  # fmt: skip
        _custom(
            f"{name}-local-queue-{team.name}", "LocalQueue",
            {"name": LOCAL_QUEUE, "namespace": team.name},
            pulumi.ResourceOptions(parent=parent, provider=provider,
                                   depends_on=[queue, team_namespaces[team.name]]),
            spec={"clusterQueue": team.name},
        )  # fmt: skip
    return release
