"""The training operator: Kubeflow Trainer runs multi-node PyTorch jobs (`TrainJob`).

Kubeflow Trainer rather than KubeRay: teams train PyTorch with `torchrun`, which Trainer's
`torch-distributed` runtime launches across nodes (rendezvous, ranks, NCCL environment)
from one short TrainJob; KubeRay would add a Ray cluster per job and a second programming
model. Trainer builds on JobSet, which Kueue admits as one workload: all of a job's nodes
start together or it keeps waiting in its team's queue (see `kueue.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..helm_release import PinnedChart, pinned_release
from .efa import EFA_TAINT
from .helm_values import TrainerValues
from .node_groups import NODE_KIND_LABEL

TRAINER_CHART = "oci://ghcr.io/kubeflow/charts/kubeflow-trainer"
TRAINER_CHART_VERSION = "2.1.0"
NAMESPACE = "kubeflow-system"
# The runtime the chart installs that teams name in a TrainJob's `runtimeRef`.
TORCH_RUNTIME = "torch-distributed"
# The platform's runtime for jobs over EFA (installed with an EFA pool).
TORCH_EFA_RUNTIME = "torch-distributed-efa"
TRAINER_API_VERSION = "trainer.kubeflow.org/v1alpha1"
# The container and replicated job the torch plugin fills in (its `trainer` step), and the
# image the chart's own torch-distributed runtime starts from; a TrainJob sets its own.
TRAINER_NODE = "node"
TRAINER_STEP_LABEL = {"trainer.kubeflow.org/trainjob-ancestor-step": "trainer"}
DEFAULT_TORCH_IMAGE = "pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime"


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
    return pinned_release(
        f"{name}-trainer",
        PinnedChart("kubeflow-trainer", TRAINER_CHART, TRAINER_CHART_VERSION),
        namespace=NAMESPACE,
        create_namespace=True,
        values=trainer_values(),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[*depends_on]),
    )


def efa_runtime_body() -> dict[str, Any]:
    """`torch-distributed-efa`: the chart's torch runtime plus what NCCL over EFA needs.

    A TrainJob cannot change its container's securityContext, so the capability EFA's RDMA
    needs to pin memory (`IPC_LOCK`, admitted only in namespaces with distributedTraining)
    comes from the runtime; so does the EFA toleration, which is what lets Kueue admit the
    job to an EFA flavor (the flavor lists the taint without tolerating it).
    """
    container = {
        "name": TRAINER_NODE,
        "image": DEFAULT_TORCH_IMAGE,
        "securityContext": {"capabilities": {"add": ["IPC_LOCK"]}},
    }
    pod = {"tolerations": [{**EFA_TAINT, "operator": "Equal"}], "containers": [container]}
    return {
        "apiVersion": TRAINER_API_VERSION,
        "kind": "ClusterTrainingRuntime",
        "metadata": {
            "name": TORCH_EFA_RUNTIME,
            "labels": {"trainer.kubeflow.org/framework": "torch"},
        },
        "spec": {
            "mlPolicy": {"numNodes": 1, "torch": {"numProcPerNode": "auto"}},
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {
                            "name": TRAINER_NODE,
                            "template": {
                                "metadata": {"labels": dict(TRAINER_STEP_LABEL)},
                                "spec": {"template": {"spec": pod}},
                            },
                        }
                    ]
                }
            },
        },
    }


def efa_runtime(
    name: str, *, trainer: k8s.helm.v3.Release, provider: k8s.Provider, parent: pulumi.Resource
) -> k8s.apiextensions.CustomResource:
    """The EFA runtime, after the chart that installs its CRD."""
    body = efa_runtime_body()
    return k8s.apiextensions.CustomResource(
        f"{name}-{TORCH_EFA_RUNTIME}",
        api_version=body["apiVersion"],
        kind=body["kind"],
        metadata=body["metadata"],
        spec=body["spec"],
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[trainer]),
    )
