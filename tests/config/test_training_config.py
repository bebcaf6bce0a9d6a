"""`mlops-platform:training`: bad cluster configs get one clear line naming the key path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from components import catalog
from infra.cli import main
from infra.config import ConfigError, load_stack_file
from infra.plan import build_plan
from tests.helpers import BASE_STACK, current_kubernetes_version, write_stack

TRAINING = "mlops-platform:training"


def valid_training() -> dict[str, Any]:
    return {
        "kubernetesVersion": current_kubernetes_version(),
        "nodeGroups": [
            {"name": "system", "kind": "system", "instanceTypes": ["m6i.large"],
             "min": 2, "desired": 2, "max": 3},
            {"name": "cpu", "kind": "cpu", "capacity": "spot",
             "instanceTypes": ["m6i.xlarge", "m6a.xlarge"], "min": 0, "desired": 0, "max": 4},
            {"name": "gpu", "kind": "gpu", "instanceTypes": ["g5.xlarge"],
             "min": 0, "desired": 0, "max": 2},
        ],
        "teams": [{"name": "fraud", "gpuQuota": 2}, {"name": "recsys"}],
    }  # fmt: skip


def stack(environment: str, training: dict[str, Any]) -> dict[str, Any]:
    config = {**BASE_STACK, "mlops-platform:environment": environment, TRAINING: training}
    if environment == "prod":
        config["mlops-platform:network"] = {"azCount": 3, "natGateways": "perAz"}
        config["mlops-platform:monitoring"] = {"alertEmails": ["oncall@example.com"]}
    return config


Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """Mutation setting e.g. 'nodeGroups.1.desired' in the training section."""

    def mutate(training: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = training
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _append(path: str, value: Any) -> Mutation:
    def mutate(training: dict[str, Any]) -> None:
        training[path].append(copy.deepcopy(value))

    return mutate


def _drop_system(training: dict[str, Any]) -> None:
    del training["nodeGroups"][0]


def _no_node_groups(training: dict[str, Any]) -> None:
    training["nodeGroups"] = []


BAD_CONFIGS = [
    # (id, environment, mutation, key path, message fragment)
    ("desired-above-max", "dev", _set("nodeGroups.1.desired", 9),
     "training.nodeGroups[1].desired", "desired (9) is above max (4)"),
    ("desired-below-min", "dev", _set("nodeGroups.0.desired", 1),
     "training.nodeGroups[0].desired", "desired (1) is below min (2)"),
    ("min-above-max", "dev", _set("nodeGroups.1.min", 5),
     "training.nodeGroups[1].min", "min (5) is larger than max (4)"),
    ("gpu-type-in-cpu-group", "dev",
     _set("nodeGroups.1.instanceTypes", ["m6i.xlarge", "g5.xlarge"]),
     "training.nodeGroups[1].instanceTypes[1]", "'g5.xlarge' is a GPU instance type"),
    ("gpu-type-in-system-group", "dev", _set("nodeGroups.0.instanceTypes", ["p4d.24xlarge"]),
     "training.nodeGroups[0].instanceTypes[0]", "node group of kind 'gpu'"),
    ("cpu-type-in-gpu-group", "dev", _set("nodeGroups.2.instanceTypes", ["c6i.4xlarge"]),
     "training.nodeGroups[2].instanceTypes[0]", "'c6i.4xlarge' has no NVIDIA GPU"),
    ("unknown-family", "dev", _set("nodeGroups.1.instanceTypes", ["x9z.large"]),
     "training.nodeGroups[1].instanceTypes[0]", "unknown EC2 instance type 'x9z.large'"),
    ("gpu-size-that-does-not-exist", "dev", _set("nodeGroups.2.instanceTypes", ["g5.3xlarge"]),
     "training.nodeGroups[2].instanceTypes[0]",
     "unknown EC2 instance type 'g5.3xlarge' in eu-west-1; offered instead: g5.xlarge"),
    ("not-an-instance-type", "dev", _set("nodeGroups.1.instanceTypes", ["m6ilarge"]),
     "training.nodeGroups[1].instanceTypes[0]", "unknown EC2 instance type 'm6ilarge'"),
    ("mixed-architectures", "dev", _set("nodeGroups.1.instanceTypes", ["m6i.xlarge", "m7g.xlarge"]),
     "training.nodeGroups[1].instanceTypes[1]", "one node group runs one AMI architecture"),
    ("mixed-gpu-counts", "dev", _set("nodeGroups.2.instanceTypes", ["g5.xlarge", "g5.12xlarge"]),
     "training.nodeGroups[2].instanceTypes[1]", "has 4 GPUs but 'g5.xlarge' has 1"),
    ("spot-system-group", "dev", _set("nodeGroups.0.capacity", "spot"),
     "training.nodeGroups[0].capacity", "must be 'onDemand'"),
    ("no-system-group", "dev", _drop_system,
     "training.nodeGroups", "needs a node group of kind 'system'"),
    ("teams-without-cluster", "dev", _no_node_groups,
     "training.teams", "teams need a cluster"),
    ("duplicate-node-group", "dev",
     _append("nodeGroups", {"name": "cpu", "kind": "cpu", "instanceTypes": ["m5.large"]}),
     "training.nodeGroups[3].name", "duplicate name 'cpu' (already used by nodeGroups[1])"),
    ("duplicate-team", "dev", _append("teams", {"name": "fraud"}),
     "training.teams[2].name", "duplicate name 'fraud'"),
    ("gpu-quota-beyond-capacity", "dev", _set("teams.0.gpuQuota", 3),
     "training.teams[0].gpuQuota", "3 GPUs exceeds what the gpu node groups can ever hold (2"),
    ("gpu-quota-without-gpu-groups", "dev",
     lambda t: t["nodeGroups"].pop(2),
     "training.teams[0].gpuQuota", "(0 at their max size)"),
    ("reserved-namespace", "dev", _set("teams.1.name", "kube-system"),
     "training.teams[1].name", "namespace Kubernetes reserves"),
    ("version-past-extended-support", "dev", _set("kubernetesVersion", "1.29"),
     "training.kubernetesVersion", "Kubernetes 1.29 left EKS extended support on 2026-03-23"),
    ("unknown-version", "dev", _set("kubernetesVersion", "1.99"),
     "training.kubernetesVersion", "unknown Kubernetes version '1.99'"),
    ("unquoted-version", "dev", _set("kubernetesVersion", 1.3),
     "training.kubernetesVersion", "unknown Kubernetes version '1.3' (EKS versions: 1.29,"),
    ("support-type-typo", "dev", _set("supportType", "standard"),
     "training.supportType", "Input should be 'STANDARD' or 'EXTENDED'"),
    ("g6-not-offered-in-eu-west-1", "dev", _set("nodeGroups.2.instanceTypes", ["g6.xlarge"]),
     "training.nodeGroups[2].instanceTypes[0]", "g6.xlarge is not offered for EC2 in eu-west-1"),
    ("unpriced-type", "dev", _set("nodeGroups.1.instanceTypes", ["m6a.2xlarge"]),
     "training.nodeGroups[1].instanceTypes[0]", "m6a.2xlarge has no recorded EC2 price"),
    ("sagemaker-type-in-node-group", "dev", _set("nodeGroups.1.instanceTypes", ["ml.m5.large"]),
     "training.nodeGroups[1].instanceTypes[0]", "'ml.m5.large' is a SageMaker instance type"),
    ("typo-in-key", "dev", _set("nodeGroups.0.instanceType", ["m6i.large"]),
     "training.nodeGroups[0].instanceType", "unknown key"),
    ("whole-bucket-write", "dev", _set("teams.1.s3WritePrefixes", [""]),
     "training.teams[1].s3WritePrefixes[0]", "write access to a whole bucket is not allowed"),
    ("wildcard-prefix", "dev", _set("teams.1.s3ReadPrefixes", ["data/*"]),
     "training.teams[1].s3ReadPrefixes[0]", "String should match pattern"),
    ("dev-gpu-kept-warm", "dev", lambda t: t["nodeGroups"][2].update(min=1, desired=1),
     "training.nodeGroups[2].min", "dev GPU node groups scale from zero"),
    ("public-endpoint-without-cidrs", "staging", _set("endpointPublicAccess", True),
     "training.publicAccessCidrs", "a public API endpoint needs an allow-list"),
    ("cidrs-on-private-endpoint", "staging", _set("publicAccessCidrs", ["198.51.100.0/24"]),
     "training.publicAccessCidrs", "has no effect on a private API endpoint"),
    ("private-range-cidr", "dev", _set("publicAccessCidrs", ["10.1.0.0/16"]),
     "training.publicAccessCidrs[0]", "10.1.0.0/16 is a private range"),
    ("prod-open-to-internet", "prod",
     lambda t: t.update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
     "training.publicAccessCidrs[0]", "opens the prod API endpoint to the internet"),
    ("prod-single-system-node", "prod", _set("nodeGroups.0.min", 1),
     "training.nodeGroups[0].min", "prod needs an on-demand system node group with min >= 2"),
    ("duplicate-admin-role", "dev",
     _set("adminRoleArns", ["arn:aws:iam::123456789012:role/a"] * 2),
     "training.adminRoleArns[1]", "listed twice"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("environment", "mutate", "path", "fragment"),
    [case[1:] for case in BAD_CONFIGS],
    ids=[case[0] for case in BAD_CONFIGS],
)
def test_bad_cluster_config_names_the_key_path(
    tmp_path: Path, environment: str, mutate: Mutation, path: str, fragment: str
) -> None:
    training = valid_training()
    if environment == "prod":
        training["teams"][0]["gpuQuota"] = 1
    mutate(training)
    stack_file = write_stack(tmp_path, stack(environment, training))
    with pytest.raises(ConfigError) as caught:
        build_plan("x", stack_file)
    error = caught.value
    assert error.path == path, str(error)
    assert fragment in error.problem, str(error)
    assert str(error).startswith(f"{stack_file}: {path}: ") or str(error).endswith(
        f"{stack_file.name}: {path}: {error.problem}"
    )
    assert "\n" not in str(error)


def test_there_are_at_least_ten_bad_cluster_configs() -> None:
    assert len(BAD_CONFIGS) >= 10
    assert len({case[3] for case in BAD_CONFIGS}) >= 10  # distinct key paths


def test_cli_reports_a_bad_cluster_config_in_one_line(tmp_path: Path, capsys) -> None:
    training = valid_training()
    training["nodeGroups"][1]["desired"] = 9
    stack_file = write_stack(tmp_path, stack("dev", training))
    assert main(["plan", "x", "--config", str(stack_file)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "training.nodeGroups[1].desired: desired (9) is above max (4)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_valid_cluster_config_loads(tmp_path: Path, environment: str) -> None:
    training = valid_training()
    training["teams"][0]["gpuQuota"] = 1
    config = load_stack_file(write_stack(tmp_path, stack(environment, training)))
    assert config.training.enabled
    assert config.training.max_gpus == 2
    assert config.training.endpoint_public_access is False
    assert config.training.teams[1].s3_write_prefixes == ["teams/recsys/"]


def test_dev_endpoint_is_public_only_with_cidrs(tmp_path: Path) -> None:
    training = valid_training()
    training["publicAccessCidrs"] = ["198.51.100.0/24"]
    config = load_stack_file(write_stack(tmp_path, stack("dev", training)))
    assert config.training.endpoint_public_access is True
    staging = load_stack_file(
        write_stack(tmp_path, stack("staging", {**training, "endpointPublicAccess": True}))
    )
    assert staging.training.endpoint_public_access is True


def test_prod_may_open_the_endpoint_to_named_ranges(tmp_path: Path) -> None:
    # The schema allows it; the policy pack reports public endpoints in prod.
    training = valid_training()
    training["teams"][0]["gpuQuota"] = 1
    training.update(endpointPublicAccess=True, publicAccessCidrs=["198.51.100.0/24"])
    config = load_stack_file(write_stack(tmp_path, stack("prod", training)))
    assert config.training.endpoint_public_access is True


def test_a_stack_without_training_has_no_cluster(tmp_path: Path) -> None:
    config = load_stack_file(write_stack(tmp_path, BASE_STACK))
    assert not config.training.enabled


@pytest.mark.parametrize("version", [k.version for k in catalog.kubernetes_versions()])
def test_every_version_loads_while_eks_supports_it(tmp_path: Path, version: str) -> None:
    entry = catalog.kubernetes_version(version)
    assert entry is not None
    training = {**valid_training(), "kubernetesVersion": version, "supportType": "EXTENDED"}
    path = write_stack(tmp_path, stack("dev", training))
    # On its release day, and on the last day of extended support.
    for day in (entry.released, entry.extended_support_end - timedelta(days=1)):
        assert load_stack_file(path, today=day).training.kubernetes_version == version
    with pytest.raises(ConfigError, match="left EKS extended support"):
        load_stack_file(path, today=entry.extended_support_end)


def test_shipped_stacks_define_the_expected_clusters() -> None:
    from infra.config import stack_file_path

    dev = load_stack_file(stack_file_path("dev")).training
    entry = catalog.kubernetes_version(dev.kubernetes_version)
    assert entry is not None and entry.support_on(date.today()) == "standard"
    assert [g.kind for g in dev.node_groups].count("system") == 1
    # Training capacity: Karpenter pools, which have no minimum (GPU pools scale to zero).
    assert any(p.kind == "cpu" and p.capacity_types == ["spot"] for p in dev.pools)
    assert any(p.kind == "gpu" for p in dev.pools)
    prod = load_stack_file(stack_file_path("prod")).training
    assert any(
        g.kind == "system" and g.capacity == "onDemand" and g.min >= 2 for g in prod.node_groups
    )
    assert [g.kind for g in prod.node_groups] == ["system"]
    assert sum(p.kind == "gpu" for p in prod.pools) >= 2
    assert any(p.kind == "cpu" for p in prod.pools)
    assert len(prod.teams) >= 3 and all(t.gpu_quota > 0 for t in prod.teams)
    assert prod.endpoint_public_access is False
