"""The CloudWatch observability add-on lives in the training cluster now; deployed stacks
see a move (aliases), not a replacement, and no Monitoring resource changed its URN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import of_type
from tests.test_data_safety import alias_urns, engine_urn, run_with_aliases

SNAPSHOT = Path(__file__).parents[2] / "data" / "prod_monitoring_urns.json"
ADDON = "aws:eks/addon:Addon"


def test_addon_is_a_training_cluster_addon_after_the_nodes(any_shipped_plan: Any) -> None:
    plan = any_shipped_plan
    (addon,) = [
        a
        for a in of_type(plan, ADDON)
        if a["inputs"]["addonName"] == "amazon-cloudwatch-observability"
    ]
    assert addon["parent"].endswith("mlops:training:TrainingCluster::training")
    groups = {g["urn"] for g in of_type(plan, "aws:eks/nodeGroup:NodeGroup")}
    logs = {
        r["urn"]
        for r in of_type(plan, "aws:cloudwatch/logGroup:LogGroup")
        if "/aws/containerinsights/" in r["inputs"]["name"]
    }
    assert len(logs) == 4
    assert groups | logs <= set(addon["dependsOn"])


def test_every_recorded_monitoring_urn_is_kept_or_aliased() -> None:
    """Engine URNs of prod's Monitoring children and the moved add-on, recorded before the
    move; each must still exist or be declared as an alias of a current resource."""
    recorded = set(json.loads(SNAPSHOT.read_text(encoding="utf-8"))["urns"])
    registrations, declared = run_with_aliases("prod")
    by_urn = {r["urn"]: r for r in registrations}
    current = {engine_urn(r, by_urn, "prod") for r in registrations}
    aliased = set().union(*alias_urns(registrations, declared, "prod").values())
    assert sorted(recorded - current - aliased) == []
    moved = recorded - current
    # role, attachment, four log groups, add-on; and the two alert subscriptions, now keyed
    # by content instead of position.
    assert len(moved) == 9
