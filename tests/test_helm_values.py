"""Helm values: charts are not rendered offline, so the values the plan passes are checked.

Every key is one the project's TypedDicts name (a misspelt key would silently fall back
to the chart's default), the controllers run on the system nodes, and the settings point
at this stack's cluster and interruption queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_type_hints, is_typeddict

import yaml

from components.training_cluster.helm_values import KarpenterValues, KueueValues, TrainerValues
from components.training_cluster.training_operator import TRAINER_CHART_VERSION
from infra.plan import Plan
from tests.helpers import by_urn, of_type

RELEASE = "kubernetes:helm.sh/v3:Release"


def unknown_keys(values: Any, typed: Any, where: str = "") -> list[str]:
    """Keys of `values` that the TypedDict `typed` (recursively) does not declare."""
    if not is_typeddict(typed) or not isinstance(values, dict):
        return []
    hints = get_type_hints(typed)
    problems = []
    for key, value in values.items():
        if key not in hints:
            problems.append(f"{where}{key}")
        else:
            problems += unknown_keys(value, hints[key], f"{where}{key}.")
    return problems


def releases(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r["inputs"]["name"]: r["inputs"] for r in of_type(plan, RELEASE)}


def test_release_values_use_only_typed_keys(any_shipped_plan: Plan) -> None:
    found = releases(any_shipped_plan)
    assert unknown_keys(found["karpenter"]["values"], KarpenterValues) == []
    assert unknown_keys(found["kueue"]["values"], KueueValues) == []
    assert set(found["karpenter"]["values"]) == set(get_type_hints(KarpenterValues))
    assert set(found["kueue"]["values"]) == set(get_type_hints(KueueValues))
    assert unknown_keys(found["kubeflow-trainer"]["values"], TrainerValues) == []


def test_the_key_check_catches_a_misspelt_key() -> None:
    values = {"controllerManager": {"replica": 2}, "enablePrometheus": False}
    assert unknown_keys(values, KueueValues) == ["controllerManager.replica"]


def test_karpenter_points_at_this_cluster_and_queue(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    values = releases(plan)["karpenter"]["values"]
    (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
    # The cluster's own queue (other components have queues of their own).
    urns = by_urn(plan)
    (queue,) = [
        q
        for q in of_type(plan, "aws:sqs/queue:Queue")
        if urns[q["parent"]]["type"] == "mlops:training:TrainingCluster"
    ]
    assert values["settings"] == {
        "clusterName": cluster["inputs"]["name"],
        "interruptionQueue": queue["inputs"]["name"],
    }
    assert values["nodeSelector"] == {"mlops-platform/node-kind": "system"}
    assert values["replicas"] == 2  # prod: the controller survives a node drain


def test_kueue_config_gates_training_jobs_all_or_nothing(
    shipped_plan: Callable[[str], Plan],
) -> None:
    values = releases(shipped_plan("prod"))["kueue"]["values"]
    assert values["controllerManager"]["nodeSelector"] == {"mlops-platform/node-kind": "system"}
    config = yaml.safe_load(values["managerConfig"]["controllerManagerConfigYaml"])
    assert config["apiVersion"] == "config.kueue.x-k8s.io/v1beta2"
    assert config["kind"] == "Configuration"
    assert "trainer.kubeflow.org/trainjob" in config["integrations"]["frameworks"]
    assert config["waitForPodsReady"]["blockAdmission"] is True
    # The document replaces the chart's default whole: the probes' port must be restated.
    assert config["health"]["healthProbeBindAddress"] == ":8081"
    assert config["leaderElection"]["leaderElect"] is True


def test_training_operator_is_pinned_and_installed_after_kueue(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    by_name = {r["inputs"]["name"]: r for r in of_type(plan, RELEASE)}
    trainer = by_name["kubeflow-trainer"]
    assert trainer["inputs"]["version"] == TRAINER_CHART_VERSION
    # Kueue's webhook must gate TrainJobs from the first one on.
    assert by_name["kueue"]["urn"] in trainer["dependsOn"]
    values = trainer["inputs"]["values"]
    assert values["manager"]["nodeSelector"] == {"mlops-platform/node-kind": "system"}
