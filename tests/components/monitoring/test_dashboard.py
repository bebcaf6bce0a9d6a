"""The environment dashboard."""

from __future__ import annotations

import json

from components.monitoring import dashboard_body
from infra.plan import Plan
from tests.helpers import of_type

from .common import (
    DASHBOARD,
)


def test_one_dashboard_shows_every_endpoint(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (dashboard,) = of_type(plan, DASHBOARD)
    assert dashboard["inputs"]["dashboardName"] == plan.outputs["dashboardName"]
    body = json.loads(dashboard["inputs"]["dashboardBody"])
    charted = {
        metric[metric.index("EndpointName") + 1]
        for widget in body["widgets"]
        for metric in widget["properties"].get("metrics", [])
        if "EndpointName" in metric
    }
    assert charted == set(plan.outputs["endpointNames"])
    for widget in body["widgets"]:
        assert widget["properties"].get("region", "eu-west-1") == "eu-west-1"


def test_empty_environment_still_gets_a_valid_dashboard() -> None:
    body = dashboard_body("eu-west-1", [])
    assert body["widgets"][0]["type"] == "text"
    body = dashboard_body("eu-west-1", [("a", "AllTraffic"), ("b", "AllTraffic")], "c")
    assert len(body["widgets"]) == 9
    assert len({(w["x"], w["y"]) for w in body["widgets"]}) == 9
