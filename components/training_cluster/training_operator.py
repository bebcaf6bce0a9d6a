"""The training operator: Kubeflow Trainer runs multi-node PyTorch jobs (`TrainJob`).

Kubeflow Trainer rather than KubeRay: teams train PyTorch with `torchrun`, which Trainer's
`torch-distributed` runtime launches across nodes (rendezvous, ranks, NCCL environment)
from one short TrainJob; KubeRay would add a Ray cluster per job and a second programming
model. Trainer builds on JobSet, which Kueue admits as one workload: all of a job's nodes
start together or it keeps waiting in its team's queue (see `kueue.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from .helm_values import TrainerValues
from .node_groups import NODE_KIND_LABEL

TRAINER_CHART = "oci://ghcr.io/kubeflow/charts/kubeflow-trainer"
TRAINER_CHART_VERSION = "2.1.0"
NAMESPACE = "kubeflow-system"
# The runtime the chart installs that teams name in a TrainJob's `runtimeRef`.
TORCH_RUNTIME = "torch-distributed"


def trainer_values() -> TrainerValues:
    """Chart values: the torch-distributed runtime, the controller on the system nodes."""
    return {
        "runtimes": {"torchDistributed": {"enabled": True}},
        "manager": {"nodeSelector": {NODE_KIND_LABEL: "system"}},
    }


def training_operator(
    name: str,
    *,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.helm.v3.Release:
    """The pinned Kubeflow Trainer chart (with JobSet), after Kueue so its jobs are gated."""
    return k8s.helm.v3.Release(
        f"{name}-trainer",
        name="kubeflow-trainer",
        chart=TRAINER_CHART,
        version=TRAINER_CHART_VERSION,
        namespace=NAMESPACE,
        create_namespace=True,
        values=dict(trainer_values()),
        atomic=True,
        cleanup_on_fail=True,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[*depends_on]),
    )
