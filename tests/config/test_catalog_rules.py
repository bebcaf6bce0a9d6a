"""Instance types and Kubernetes versions are checked against the catalog at load time.

Each refusal is one line naming the key path, the region (for instance types) and what to
use instead. Support dates are judged on an injected day, so the messages are exact.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.config import ConfigError, load_stack_file
from infra.plan import build_plan
from tests.helpers import BASE_STACK, current_kubernetes_version, of_type, write_stack

DAY = date(2026, 12, 4)
REGISTRY = {"models": [{"name": "fraud"}], "images": [{"name": "fraud-serving"}]}


def training(
    version: str = "1.35",
    support: str | None = None,
    system: str = "m6i.large",
    gpu: str = "g5.xlarge",
) -> dict[str, Any]:
    section: dict[str, Any] = {
        "kubernetesVersion": version,
        "nodeGroups": [
            {"name": "system", "kind": "system", "instanceTypes": [system],
             "min": 1, "desired": 1, "max": 2},
            {"name": "gpu", "kind": "gpu", "instanceTypes": [gpu], "max": 1},
        ],
    }  # fmt: skip
    if support:
        section["supportType"] = support
    return {"mlops-platform:training": section}


def endpoint(instance_type: str, **monitoring: Any) -> dict[str, Any]:
    extra = {"mlops-platform:monitoring": monitoring} if monitoring else {}
    return {
        "mlops-platform:registry": REGISTRY,
        "mlops-platform:serving": {
            "endpoints": [
                {"name": "fraud", "model": "fraud", "image": "fraud-serving",
                 "instanceType": instance_type, "dataCapturePercent": 10},
            ]
        },
        **extra,
    }  # fmt: skip


CASES = [
    pytest.param(
        training(gpu="g5.3xlarge"),
        "training.nodeGroups[1].instanceTypes[0]: unknown EC2 instance type 'g5.3xlarge' in "
        "eu-west-1; offered instead: g5.xlarge, g5.2xlarge, g5.4xlarge, g5.12xlarge, "
        "g5.48xlarge",
        id="unknown-type",
    ),
    pytest.param(
        training(gpu="g6.2xlarge"),
        "training.nodeGroups[1].instanceTypes[0]: g6.2xlarge is not offered for EC2 in "
        "eu-west-1; offered instead: g5.2xlarge, g4dn.2xlarge, g5.xlarge, g4dn.xlarge, "
        "g5.4xlarge",
        id="ec2-type-not-offered-in-region",
    ),
    pytest.param(
        training(system="m6a.2xlarge"),
        "training.nodeGroups[0].instanceTypes[0]: m6a.2xlarge has no recorded EC2 price for "
        "eu-west-1 (components/catalog/prices.json), so its cost cannot be estimated; priced "
        "instead: m6a.xlarge, m6a.large, m5.2xlarge, m6i.2xlarge, m7i.2xlarge",
        id="unpriced-type",
    ),
    pytest.param(
        endpoint("ml.m6i.large"),
        "serving.endpoints[0].instanceType: ml.m6i.large is not offered for SageMaker hosting "
        "in eu-west-1; offered instead: ml.m5.large, ml.c5.large, ml.c6i.large, ml.c7i.large, "
        "ml.t2.medium",
        id="hosting-type-not-offered-in-region",
    ),
    pytest.param(
        endpoint("ml.m5.large", dataQuality={"instanceType": "ml.g6.xlarge"}),
        "monitoring.dataQuality.instanceType: ml.g6.xlarge is not offered for SageMaker "
        "processing in eu-west-1; offered instead: ml.g5.xlarge, ml.g4dn.xlarge, "
        "ml.g5.2xlarge, ml.g4dn.2xlarge, ml.g5.4xlarge",
        id="processing-type-not-offered-in-region",
    ),
    pytest.param(
        training("1.31", "EXTENDED"),
        "training.kubernetesVersion: Kubernetes 1.31 left EKS extended support on 2026-11-26 "
        "(validated on 2026-12-04); use a version in standard support: 1.35",
        id="past-extended-support",
    ),
    pytest.param(
        training("1.34"),
        "training.supportType: STANDARD support for Kubernetes 1.34 ended on 2026-12-02 "
        "(validated on 2026-12-04); upgrade kubernetesVersion to 1.35 or set supportType: "
        "EXTENDED (EKS bills 0.60 instead of 0.10 USD per cluster-hour)",
        id="standard-past-standard-support",
    ),
]


@pytest.mark.parametrize(("sections", "message"), CASES)
def test_refusal_is_one_exact_line(tmp_path: Path, sections: dict[str, Any], message: str) -> None:
    path = write_stack(tmp_path, {**BASE_STACK, **sections})
    with pytest.raises(ConfigError) as caught:
        load_stack_file(path, today=DAY)
    assert str(caught.value) == f"{path}: {message}"


def test_cli_refuses_a_type_not_offered_in_the_region_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_stack(tmp_path, {**BASE_STACK, **training(gpu="p5.48xlarge")})
    assert main(["plan", "x", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "p5.48xlarge is not offered for EC2 in eu-west-1; offered instead: g5.48xlarge" in err


def test_the_same_type_is_accepted_where_it_is_offered(tmp_path: Path) -> None:
    stack = {**BASE_STACK, "aws:region": "us-east-1", **training(gpu="g6.2xlarge")}
    config = load_stack_file(write_stack(tmp_path, stack), today=DAY)
    assert config.training.node_groups[1].gpus_per_node == 1


def test_extended_support_is_accepted_until_it_ends(tmp_path: Path) -> None:
    path = write_stack(tmp_path, {**BASE_STACK, **training("1.34", "EXTENDED")})
    assert load_stack_file(path, today=DAY).training.support_type == "EXTENDED"
    # Before its standard support ended, STANDARD was fine too.
    standard = write_stack(tmp_path, {**BASE_STACK, **training("1.34")}, "Pulumi.std.yaml")
    assert load_stack_file(standard, today=date(2026, 12, 1)).training.kubernetes_version == "1.34"


def test_support_type_reaches_the_cluster(tmp_path: Path) -> None:
    sections = training(current_kubernetes_version(), "EXTENDED")
    plan = build_plan("x", write_stack(tmp_path, {**BASE_STACK, **sections}))
    (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
    assert cluster["inputs"]["upgradePolicy"] == {"supportType": "EXTENDED"}
    assert cluster["inputs"]["version"] == current_kubernetes_version()


def test_a_new_stack_defaults_to_the_newest_catalog_version(tmp_path: Path) -> None:
    sections = training()
    del sections["mlops-platform:training"]["kubernetesVersion"]
    config = load_stack_file(write_stack(tmp_path, {**BASE_STACK, **sections}), today=DAY)
    assert config.training.kubernetes_version == "1.35"
    assert config.training.support_type == "STANDARD"
