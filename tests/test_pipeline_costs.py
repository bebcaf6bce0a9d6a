"""Scheduled pipelines are priced per run, with the assumption stated, never as 0."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import catalog
from infra.costs import prices
from infra.pipeline_costs import run_usd, runs_per_month
from tests.helpers import of_type


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("cron(0 3 ? * SUN *)", 4.35),  # weekly
        ("cron(0 4 1 * ? *)", 1.0),  # monthly
        ("cron(0 2 * * ? *)", 30.44),  # daily
        ("cron(0 */6 * * ? *)", 121.76),  # every six hours
        ("cron(30 8 ? * MON-FRI *)", 21.75),  # working days
        ("rate(12 hours)", 60.83),
        ("rate(1 day)", 30.42),
    ],
)
def test_runs_per_month(expression: str, runs: float) -> None:
    assert runs_per_month(expression) == pytest.approx(runs, abs=0.01)


def test_one_run_bills_every_job_for_the_assumed_time() -> None:
    definition = {
        "Steps": [
            {"Name": "Train", "Type": "Training", "Arguments": {
                "ResourceConfig": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 2}}},
            {"Name": "Check", "Type": "Condition", "Arguments": {"IfSteps": [
                {"Name": "Score", "Type": "Transform", "Arguments": {
                    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}}}]}},
        ]
    }  # fmt: skip
    usd, used = run_usd(definition, "eu-west-1", 30)
    train = catalog.hourly_price("ml.m5.2xlarge", "eu-west-1", "sagemaker-processing")
    score = catalog.hourly_price("ml.m5.xlarge", "eu-west-1", "sagemaker-transform")
    assert train and score
    assert usd == pytest.approx(2 * train * 0.5 + score * 0.5)
    assert used == ["2 x ml.m5.2xlarge", "1 x ml.m5.xlarge"]
    definition["Steps"][0]["Arguments"]["ResourceConfig"]["InstanceType"] = "ml.z9.huge"
    with pytest.raises(ValueError, match="no sagemaker-processing price"):
        run_usd(definition, "eu-west-1", 30)


def test_prod_prices_each_schedule_per_run(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    items = {i["urn"]: i for i in plan.cost["items"]}
    minutes = prices()["assumptions"]["pipelineJobMinutes"]
    schedules = of_type(plan, "aws:scheduler/schedule:Schedule")
    assert len(schedules) == 3
    for schedule in schedules:
        item = items[schedule["urn"]]
        assert item["usd"] > 0
        assert "runs/month" in item["basis"] and f"{minutes:g} min assumed" in item["basis"]
        request = json.loads(schedule["inputs"]["target"]["input"])
        assert request["PipelineName"] in plan.outputs["pipelineNames"]


def test_dev_stays_within_its_budget_with_a_pipeline(shipped_plan: Any) -> None:
    plan = shipped_plan("dev")
    assert plan.outputs["pipelineNames"]
    assert plan.cost["monthlyUsd"] <= 250
