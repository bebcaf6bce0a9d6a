"""The documented multi-node job (examples/jobs/) fits the platform it is written for.

The job is valid for the Kubeflow Trainer release the chart installs (its published API
models, `kubeflow-trainer-api` of the same version, with no field they do not know), and
fits the platform it is written for: its queue exists in its team's namespace, its runtime
is the one the trainer chart installs, its per-node resources are a valid Kubernetes
ResourceRequirements (validated strictly as part of a Pod), and the whole job fits the
team's queue and namespace quota, so Kueue can admit it at once.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubeflow_trainer_api.models import (
    TrainerV1alpha1ClusterTrainingRuntime,
    TrainerV1alpha1TrainJob,
)

from components import catalog
from components.training_cluster.kueue import LOCAL_QUEUE
from components.training_cluster.training_operator import (
    TORCH_EFA_RUNTIME,
    TORCH_RUNTIME,
    TRAINER_CHART_VERSION,
    trainer_values,
)
from infra.plan import Plan
from tests.helpers import of_type

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "jobs" / "pytorch-multinode.yaml"
GPU = "nvidia.com/gpu"
EFA = "vpc.amazonaws.com/efa"
RUNTIME = "kubernetes:trainer.kubeflow.org/v1alpha1:ClusterTrainingRuntime"


def quantity(value: str) -> int:
    return int(value[:-2]) if value.endswith("Gi") else int(value)


def job() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return document


def test_job_is_a_multi_node_trainjob_in_its_team_queue(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan, body = shipped_plan("prod"), job()
    assert (body["apiVersion"], body["kind"]) == ("trainer.kubeflow.org/v1alpha1", "TrainJob")
    assert body["spec"]["trainer"]["numNodes"] >= 2
    namespace = body["metadata"]["namespace"]
    assert namespace in {t.name for t in plan.config.training.teams}
    queue = body["metadata"]["labels"]["kueue.x-k8s.io/queue-name"]
    assert queue == LOCAL_QUEUE
    local = [q["inputs"] for q in of_type(plan, "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue")]
    assert any(q["metadata"] == {**q["metadata"], "namespace": namespace, "name": queue}
               for q in local)  # fmt: skip
    assert trainer_values()["runtimes"]["torchDistributed"]["enabled"] is True
    runtime = body["spec"]["runtimeRef"]["name"]
    assert runtime == TORCH_RUNTIME or runtime in planned_runtimes(plan), runtime


def planned_runtimes(plan: Plan) -> dict[str, dict[str, Any]]:
    """The ClusterTrainingRuntimes the platform itself installs, by name."""
    return {r["inputs"]["metadata"]["name"]: r["inputs"] for r in of_type(plan, RUNTIME)}


def runtime_pod(runtime: dict[str, Any]) -> dict[str, Any]:
    (replicated,) = runtime["spec"]["template"]["spec"]["replicatedJobs"]
    pod: dict[str, Any] = replicated["template"]["spec"]["template"]["spec"]
    return pod


def test_platform_runtimes_are_valid_for_the_installed_release(
    any_shipped_plan: Plan,
) -> None:
    for body in planned_runtimes(any_shipped_plan).values():
        known = TrainerV1alpha1ClusterTrainingRuntime.from_dict(body)
        assert known is not None and known.to_dict() == body, "fields the runtime API lacks"


def test_the_efa_runtime_exists_exactly_with_an_efa_pool(any_shipped_plan: Plan) -> None:
    efa_pool = any(pool.efa for pool in any_shipped_plan.config.training.pools)
    assert (TORCH_EFA_RUNTIME in planned_runtimes(any_shipped_plan)) == efa_pool


def test_an_efa_job_gets_ipc_lock_from_its_runtime(shipped_plan: Callable[[str], Plan]) -> None:
    plan, body = shipped_plan("prod"), job()
    assert EFA in body["spec"]["trainer"]["resourcesPerNode"]["requests"]
    pod = runtime_pod(planned_runtimes(plan)[body["spec"]["runtimeRef"]["name"]])
    (container,) = [c for c in pod["containers"] if c["name"] == "node"]
    assert "IPC_LOCK" in container["securityContext"]["capabilities"]["add"]
    team = next(t for t in plan.config.training.teams if t.name == body["metadata"]["namespace"])
    assert team.distributed_training, "the team's namespace admits IPC_LOCK"


def strict_trainjob(body: dict[str, Any]) -> None:
    """Validate against the Trainer's API models; a field they drop is one they don't know."""
    known = TrainerV1alpha1TrainJob.from_dict(body)
    assert known is not None and known.to_dict() == body, "fields the TrainJob API lacks"


def test_the_api_models_are_those_of_the_installed_trainer() -> None:
    assert importlib.metadata.version("kubeflow-trainer-api") == TRAINER_CHART_VERSION


def test_job_is_a_valid_trainjob_of_the_installed_release() -> None:
    strict_trainjob(job())


@pytest.mark.parametrize(
    "path, value",
    [(("spec", "trainer", "numNodes"), "two"), (("spec", "trainer", "gpus"), 4)],
    ids=["wrong type", "unknown field"],
)
def test_the_trainjob_check_refuses_an_invalid_job(path: tuple[str, ...], value: Any) -> None:
    body = job()
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    with pytest.raises((AssertionError, ValueError)):
        strict_trainjob(body)


def test_per_node_resources_are_valid_kubernetes() -> None:
    resources = job()["spec"]["trainer"]["resourcesPerNode"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "node", "namespace": "recsys"},
        "spec": {"containers": [{"name": "node", "image": "train", "resources": resources}]},
    }
    kubernetes_validate.validate(pod, catalog.kubernetes_versions()[-1].version, strict=True)


def test_job_fits_its_team_queue_and_namespace_quota(shipped_plan: Callable[[str], Plan]) -> None:
    plan, body = shipped_plan("prod"), job()
    team = body["metadata"]["namespace"]
    nodes = body["spec"]["trainer"]["numNodes"]
    per_node = body["spec"]["trainer"]["resourcesPerNode"]["requests"]
    total = {name: nodes * quantity(value) for name, value in per_node.items()}
    quotas = of_type(plan, "kubernetes:core/v1:ResourceQuota")
    (quota,) = [q["inputs"]["spec"]["hard"] for q in quotas
                if q["inputs"]["metadata"]["namespace"] == team]  # fmt: skip
    for name in ("cpu", "memory", GPU):  # what the namespace quota counts
        assert total[name] <= quantity(quota[f"requests.{name}"]), name
    queues = of_type(plan, "kubernetes:kueue.x-k8s.io/v1beta2:ClusterQueue")
    (queue,) = [q["inputs"]["spec"] for q in queues
                if q["inputs"]["metadata"]["name"] == team]  # fmt: skip
    fits = [
        flavor["name"]
        for flavor in queue["resourceGroups"][0]["flavors"]
        if all(total.get(r["name"], 0) <= quantity(r["nominalQuota"]) for r in flavor["resources"])
        and total[GPU] > 0
        and quantity(next(r for r in flavor["resources"] if r["name"] == GPU)["nominalQuota"])
    ]
    assert fits, "the job fits one GPU flavor of its team's queue without borrowing"
    # Kueue admits to an EFA flavor only a job that tolerates the flavor's node taints.
    runtime = planned_runtimes(plan).get(body["spec"]["runtimeRef"]["name"])
    tolerations = [
        *(runtime_pod(runtime).get("tolerations", []) if runtime else []),
        *(
            toleration
            for override in body["spec"].get("podTemplateOverrides", [])
            for toleration in override["spec"].get("tolerations", [])
        ),
    ]
    flavor_type = "kubernetes:kueue.x-k8s.io/v1beta2:ResourceFlavor"
    flavors = {
        f["inputs"]["metadata"]["name"]: f["inputs"]["spec"] for f in of_type(plan, flavor_type)
    }
    admissible = [
        name
        for name in fits
        if all(
            {**taint, "operator": "Equal"} in tolerations
            for taint in flavors[name].get("nodeTaints", [])
        )
    ]
    assert admissible, f"the job tolerates none of the node taints of {fits}"
    if total.get(EFA):
        assert all(flavors[name].get("nodeTaints") for name in admissible), "EFA on EFA nodes"
