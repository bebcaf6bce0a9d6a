"""Capacity reservations: a pool's `reserved` capacity launches into named On-Demand
Capacity Reservations or Capacity Blocks of this account, before spot or on-demand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.mocks import MOCK_ACCOUNT_ID
from infra.plan import Plan, build_plan
from tests.config.test_pool_config import with_pools
from tests.config.test_training_config import stack
from tests.crds import validate_custom_resource
from tests.helpers import of_type, write_stack

NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
RESERVATIONS = [
    {"id": "cr-0a1b2c3d4e5f67890"},
    {"tags": {"purpose": "training", "team": "*"}, "instanceMatchCriteria": "targeted"},
]


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    training = with_pools()
    training["pools"][2]["capacityTypes"] = ["reserved", "onDemand"]
    training["pools"][2]["capacityReservations"] = RESERVATIONS
    directory: Path = tmp_path_factory.mktemp("reserved")
    path = write_stack(directory, stack("dev", training), name="Pulumi.reserved.yaml")
    return build_plan("reserved", path)


def named(plan: Plan, type_token: str) -> dict[str, dict[str, Any]]:
    return {r["inputs"]["metadata"]["name"]: r["inputs"] for r in of_type(plan, type_token)}


def test_reserved_pool_selects_its_reservations_in_this_account(plan: Plan) -> None:
    classes = named(plan, NODE_CLASS)
    # Schema and CEL rules: an id stands alone, a tag term names its owner.
    assert validate_custom_resource(classes["gpu-a100"]) == []
    terms = classes["gpu-a100"]["spec"]["capacityReservationSelectorTerms"]
    assert terms == [
        {"id": "cr-0a1b2c3d4e5f67890"},
        # The controller may launch only into this account's reservations.
        {"tags": {"purpose": "training", "team": "*"}, "ownerID": MOCK_ACCOUNT_ID,
         "instanceMatchCriteria": "targeted"},
    ]  # fmt: skip
    assert all("capacityReservationSelectorTerms" not in c["spec"]
               for name, c in classes.items() if name != "gpu-a100")  # fmt: skip


def test_reserved_comes_first_and_falls_back_to_on_demand(plan: Plan) -> None:
    pools = named(plan, NODE_POOL)
    requirements = pools["gpu-a100"]["spec"]["template"]["spec"]["requirements"]
    (capacity,) = [r for r in requirements if r["key"] == "karpenter.sh/capacity-type"]
    assert capacity["values"] == ["reserved", "on-demand"]
    assert validate_custom_resource(pools["gpu-a100"]) == []


def test_reservation_interruptions_reach_the_interruption_queue(plan: Plan) -> None:
    name = "training-karpenter-capacity-reservation"
    rules = {r["name"]: r for r in of_type(plan, "aws:cloudwatch/eventRule:EventRule")}
    assert json.loads(rules[name]["inputs"]["eventPattern"]) == {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"],
    }
    (target,) = [t for t in of_type(plan, "aws:cloudwatch/eventTarget:EventTarget")
                 if t["name"] == name]  # fmt: skip
    (queue,) = [q for q in of_type(plan, "aws:sqs/queue:Queue")
                if q["inputs"]["name"].endswith("-karpenter")]  # fmt: skip
    assert target["inputs"]["arn"].endswith(f":{queue['inputs']['name']}")
    assert target["inputs"]["rule"] == rules[name]["inputs"]["name"]


def test_estimate_says_the_reservation_is_billed_outside_the_stack(plan: Plan) -> None:
    items = {i["urn"].rsplit("::", 1)[1]: i for i in plan.cost["items"]}
    reserved = [i for name, i in items.items() if "gpu-a100-node-pool" in name]
    (item,) = reserved
    assert item["usd"] == 0.0
    assert "billed by its reservation, outside this stack" in item["basis"]
    others = [i for name, i in items.items() if "node-pool" in name and i not in reserved]
    assert others and all("reservation" not in i["basis"] for i in others)
