"""Retraining on drift, executed: the drift state machine the plan deploys starts the
family's pipeline in moto, with that run's own locations (`tests/step_functions.py`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from components.lifecycle.definition import run_parameters
from components.lifecycle.drift_runs import UNKNOWN_FAMILY
from tests.helpers import of_type
from tests.step_functions import ROLE_ARN, moto_step_functions, run_execution

MACHINE = "aws:sfn/stateMachine:StateMachine"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with moto_step_functions(monkeypatch) as clients:
        yield clients


def _planned_definition(shipped_plan: Any) -> str:
    (machine,) = [
        m for m in of_type(shipped_plan("prod"), MACHINE)
        if m["name"] == "lifecycle-drift-runs-machine"
    ]  # fmt: skip
    return str(machine["inputs"]["definition"])


def _pipeline(aws: dict[str, Any], name: str) -> None:
    steps = {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "Steps": []}
    aws["sagemaker"].create_pipeline(
        PipelineName=name, PipelineDefinition=json.dumps(steps), RoleArn=ROLE_ARN
    )


def _runs(aws: dict[str, Any], pipeline: str) -> list[dict[str, str]]:
    sagemaker = aws["sagemaker"]
    executions = sagemaker.list_pipeline_executions(PipelineName=pipeline)
    return [
        {
            p["Name"]: p["Value"]
            for p in sagemaker.list_pipeline_parameters_for_execution(
                PipelineExecutionArn=e["PipelineExecutionArn"]
            )["PipelineParameters"]
        }
        for e in executions["PipelineExecutionSummaries"]
    ]


def test_each_drift_run_writes_under_its_own_folder(shipped_plan: Any, aws: dict[str, Any]) -> None:
    definition = _planned_definition(shipped_plan)
    bucket = json.loads(definition)["States"]["Locate"]["Assign"]["run"].split("/")[2]
    _pipeline(aws, "mlops-prod-fraud-detector-retrain")
    _pipeline(aws, "mlops-prod-churn-predictor-retrain")

    first = run_execution(aws, definition, {"family": "fraud-detector"}, name="alarm-1")
    second = run_execution(aws, definition, {"family": "fraud-detector"}, name="alarm-2")

    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED")
    runs = _runs(aws, "mlops-prod-fraud-detector-retrain")
    assert sorted(runs, key=lambda r: r["TrainDataS3Uri"]) == [
        run_parameters(bucket, "fraud-detector", "drift-alarm-1"),
        run_parameters(bucket, "fraud-detector", "drift-alarm-2"),
    ]
    assert json.loads(second["output"])["runs"] == (
        f"s3://{bucket}/pipelines/fraud-detector/runs/drift-alarm-2/"
    )
    # The other family's pipeline did not run.
    assert _runs(aws, "mlops-prod-churn-predictor-retrain") == []


def test_a_family_without_a_drift_pipeline_fails_the_execution(
    shipped_plan: Any, aws: dict[str, Any]
) -> None:
    result = run_execution(aws, _planned_definition(shipped_plan), {"family": "merchant-risk"})
    assert (result["status"], result["error"]) == ("FAILED", UNKNOWN_FAMILY)
    assert "merchant-risk" in result["cause"]
