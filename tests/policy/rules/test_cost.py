"""Advisory cost guards: instance-type allow-lists per environment, dev log retention."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pytest

from policy.rules import INSTANCE_ALLOW_LISTS, split_instance_type

from ..synth import TAGS, Case, case_id, check_case
from .test_data_safety import log_group
from .test_sagemaker import endpoint_config


def node_group(*types: str) -> Callable[[], None]:
    return lambda: aws.eks.NodeGroup(
        "ng",
        cluster_name="c",
        node_role_arn="arn:aws:iam::123456789012:role/node",
        subnet_ids=["subnet-1"],
        instance_types=list(types),
        scaling_config={"min_size": 0, "max_size": 2, "desired_size": 0},
        tags=TAGS,
    )


CASES = [
    Case("instance-type-allow-list", "dev", node_group("m6i.large", "g5.2xlarge")),
    Case("instance-type-allow-list", "prod", node_group("p5.48xlarge")),
    Case("instance-type-allow-list", "dev", node_group("p5.48xlarge"), "p5.48xlarge", "ng"),
    Case("instance-type-allow-list", "dev", node_group("g5.12xlarge"), "outside the dev"),
    Case("instance-type-allow-list", "staging", endpoint_config(), None),
    Case(
        "instance-type-allow-list",
        "dev",
        lambda: aws.ec2.LaunchTemplate("lt", instance_type="p4d.24xlarge", tags=TAGS),
        "p4d.24xlarge",
    ),
    Case("dev-log-retention", "dev", log_group(14)),
    Case("dev-log-retention", "prod", log_group(365, protect=True, retain=True)),
    Case("dev-log-retention", "dev", log_group(90), "90 days", "logs"),
    Case("dev-log-retention", "dev", log_group(None), "never expires"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


def test_allow_list_variants_and_sizes() -> None:
    dev = INSTANCE_ALLOW_LISTS["dev"]
    assert dev.allows("m6id.xlarge")
    assert dev.allows("c5n.large")
    assert dev.allows("ml.t2.medium")
    assert not dev.allows("g6e.xlarge")
    assert not dev.allows("m6i.8xlarge")
    assert not dev.allows("p4d.24xlarge")
    assert INSTANCE_ALLOW_LISTS["prod"].allows("p5.48xlarge")


def test_split_instance_type() -> None:
    assert split_instance_type("ml.g5.2xlarge") == ("g5", 2.0)
    assert split_instance_type("m6i.large") == ("m6i", 0.9)
    assert split_instance_type("c6i.xlarge") == ("c6i", 1.0)
    assert split_instance_type("m7i.metal") == ("m7i", float("inf"))
