"""`training.pools`: Karpenter pools and the teams' per-pool GPU quotas."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components import catalog
from infra.config import ConfigError, load_stack_file
from tests.config.test_training_config import stack, valid_training
from tests.helpers import write_stack


def with_pools() -> dict[str, Any]:
    training = valid_training()
    training["nodeGroups"] = training["nodeGroups"][:1]
    training["pools"] = [
        {
            "name": "cpu",
            "kind": "cpu",
            "instanceTypes": ["m6i.xlarge"],
            "capacityTypes": ["spot", "onDemand"],
            "limits": {"cpu": 64},
        },
        {
            "name": "gpu-a10g",
            "kind": "gpu",
            "instanceTypes": ["g5.xlarge"],
            "limits": {"cpu": 32, "gpus": 4},
        },
        {
            "name": "gpu-a100",
            "kind": "gpu",
            "instanceTypes": ["p4d.24xlarge"],
            "limits": {"cpu": 96, "gpus": 8},
        },
    ]
    training["teams"] = [
        {"name": "fraud", "gpuQuota": 6, "gpuQuotas": {"gpu-a10g": 2, "gpu-a100": 4}},
        {"name": "recsys", "gpuQuota": 2, "gpuQuotas": {"gpu-a10g": 2}},
    ]
    return training  # fmt: skip


def load(tmp_path: Path, training: dict[str, Any]) -> Any:
    return load_stack_file(write_stack(tmp_path, stack("dev", training)))


def test_pools_and_quotas_load(tmp_path: Path) -> None:
    config = load(tmp_path, with_pools())
    quotas = config.training.team_gpu_quotas()
    assert quotas == {"fraud": {"gpu-a10g": 2, "gpu-a100": 4}, "recsys": {"gpu-a10g": 2}}
    # Quotas stay consistent: per team within its namespace ceiling, per pool within its limit.
    for team in config.training.teams:
        assert sum(quotas[team.name].values()) <= team.gpu_quota
    for pool in config.training.pools:
        assert sum(q.get(pool.name, 0) for q in quotas.values()) <= pool.gpu_capacity


def _mutations() -> list[tuple[str, Any, str, str]]:
    def set_(path: list[Any], value: Any) -> Any:
        def apply(t: dict[str, Any]) -> None:
            target = t
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return apply

    def del_(path: list[Any]) -> Any:
        def apply(t: dict[str, Any]) -> None:
            target = t
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]

        return apply

    def reserved(reservations: list[Any]) -> Any:
        def apply(t: dict[str, Any]) -> None:
            t["pools"][2]["capacityTypes"] = ["reserved", "onDemand"]
            t["pools"][2]["capacityReservations"] = reservations

        return apply

    at = "training.pools[2].capacityReservations"
    return [
        ("reserved without reservations", set_(["pools", 2, "capacityTypes"], ["reserved"]),
         at, "name the reservations"),
        ("reservations without reserved",
         set_(["pools", 2, "capacityReservations"], [{"id": "cr-0a1b2c3d4e5f67890"}]),
         "training.pools[2].capacityTypes", "only with the capacity type 'reserved'"),
        ("id and tags", reserved([{"id": "cr-0a1b", "tags": {"team": "fraud"}}]),
         f"{at}[0].id", "by id or by tags"),
        ("neither id nor tags", reserved([{"instanceMatchCriteria": "open"}]),
         f"{at}[0].id", "by id or by tags"),
        ("match criteria with an id",
         reserved([{"id": "cr-0a1b", "instanceMatchCriteria": "targeted"}]),
         f"{at}[0].instanceMatchCriteria", "names one already"),
        ("malformed id", reserved([{"id": "cr-0A1B"}]), f"{at}[0].id", "cr-"),
        ("id twice", reserved([{"id": "cr-0a1b"}, {"id": "cr-0a1b"}]),
         f"{at}[1].id", "listed twice"),
        ("empty tag value", reserved([{"tags": {"team": ""}}]),
         f"{at}[0].tags.team", "at least 1 character"),
        ("no tags", reserved([{"tags": {}}]), f"{at}[0].tags", "at least 1 item"),
        ("31 reservations", reserved([{"id": f"cr-{i:04x}"} for i in range(31)]), at, "at most 30"),
        ("gpu type in cpu pool", set_(["pools", 0, "instanceTypes"], ["g5.xlarge"]),
         "training.pools[0].instanceTypes[0]", "does not fit a cpu pool"),
        ("gpu pool without gpu limit", set_(["pools", 1, "limits"], {"cpu": 8}),
         "training.pools[1].limits.gpus", "needs a GPU limit"),
        ("quota above pool limit", set_(["pools", 1, "limits", "gpus"], 3),
         "training.pools[1].limits.gpus", "add up to 4"),
        ("split above ceiling", set_(["teams", 1, "gpuQuota"], 1),
         "training.teams[1].gpuQuotas", "above the namespace ceiling"),
        ("unknown pool", set_(["teams", 1, "gpuQuotas"], {"cpu": 1}),
         "training.teams[1].gpuQuotas.cpu", "not a gpu pool"),
        ("no split with two gpu pools", del_(["teams", 1, "gpuQuotas"]),
         "training.teams[1].gpuQuotas", "split it per pool"),
        ("unknown instance type", set_(["pools", 0, "instanceTypes"], ["m6i.huge"]),
         "training.pools[0].instanceTypes[0]", "unknown EC2 instance type"),
    ]  # fmt: skip


@pytest.mark.parametrize(("label", "mutate", "path", "fragment"), _mutations())
def test_bad_pool_config_names_the_key_path(
    tmp_path: Path, label: str, mutate: Any, path: str, fragment: str
) -> None:
    training = copy.deepcopy(with_pools())
    mutate(training)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, training)
    assert caught.value.path == path, str(caught.value)
    assert fragment in caught.value.problem, str(caught.value)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize("entry", catalog.kubernetes_versions(), ids=lambda k: k.version)
def test_karpenter_chart_supports_the_kubernetes_version(entry: catalog.KubernetesVersion) -> None:
    assert _version(entry.karpenter_chart_version) >= _version(entry.karpenter_minimum_version)


def test_reserved_pool_loads_with_reservations_by_id_and_by_tags(tmp_path: Path) -> None:
    training = with_pools()
    training["pools"][2]["capacityTypes"] = ["reserved", "onDemand"]
    training["pools"][2]["capacityReservations"] = [
        {"id": "cr-0a1b2c3d4e5f67890"},
        {"tags": {"purpose": "training", "team": "*"}, "instanceMatchCriteria": "targeted"},
    ]
    (_, _, pool) = load(tmp_path, training).training.pools
    assert pool.capacity_types == ["reserved", "onDemand"]
    assert [r.id for r in pool.capacity_reservations] == ["cr-0a1b2c3d4e5f67890", None]
