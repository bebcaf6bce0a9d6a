"""Retraining on drift with a folder per run: a state machine between the rule and the pipeline.

An EventBridge rule can hand a SageMaker pipeline only fixed parameters, so every run it
started wrote under the same `runs/drift/`. The drift rules start this Step Functions
state machine instead (input `{"family": ...}`), which starts the family's pipeline
through the AWS SDK integration with the run's locations under
`pipelines/<family>/runs/drift-<execution name>/`: each run keeps its own outputs, and the
execution history names the pipeline execution it started.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .definition import EVALUATION_REPORT, RUN_OUTPUTS, pipeline_prefix

START = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
# A StartPipelineExecution that has not answered by then has failed (and alarms).
TASK_TIMEOUT_SECONDS = 60
UNKNOWN_FAMILY = "UnknownModelFamily"
RUN_FOLDER = "drift-"


def _parameters() -> str:
    """JSONata: the run's pipeline parameters, every location under `$run`."""
    values = [(name, f"$run & '{folder}'") for name, folder in RUN_OUTPUTS.items()]
    values.append(("EvaluationReportS3Uri", f"$run & '{RUN_OUTPUTS['EvaluationS3Uri']}"
                   f"{EVALUATION_REPORT}'"))  # fmt: skip
    items = ", ".join(f'{{"Name": "{name}", "Value": {value}}}' for name, value in values)
    return f"{{% [{items}] %}}"


def run_prefix_expression(bucket: str) -> str:
    """JSONata: `s3://<bucket>/pipelines/<family>/runs/drift-<execution name>/`."""
    head = f"s3://{bucket}/{pipeline_prefix('FAMILY')}".split("FAMILY")
    return (
        f"'{head[0]}' & $states.input.family & '{head[1]}runs/{RUN_FOLDER}' & "
        "$states.context.Execution.Name & '/'"
    )


def drift_run_definition(bucket: str, pipelines: Mapping[str, str]) -> dict[str, Any]:
    """The state machine: `pipelines` maps each drifting family to its retraining pipeline."""
    if not pipelines:
        raise ValueError("retraining on drift needs at least one pipeline")
    known = "$exists($lookup($pipelines, $states.input.family))"
    return {
        "Comment": "Starts a family's retraining pipeline on drift; each run writes under "
        "runs/drift-<execution name>/",
        "QueryLanguage": "JSONata",
        "StartAt": "Locate",
        "States": {
            "Locate": {
                "Type": "Pass",
                # Both evaluated at once: neither refers to the other.
                "Assign": {
                    "pipelines": dict(pipelines),
                    "run": f"{{% {run_prefix_expression(bucket)} %}}",
                },
                "Next": "CheckFamily",
            },
            "CheckFamily": {
                "Type": "Choice",
                "Choices": [{"Condition": f"{{% {known} %}}", "Next": "StartRetraining"}],
                "Default": "UnknownFamily",
            },
            "UnknownFamily": {
                "Type": "Fail",
                "Error": UNKNOWN_FAMILY,
                "Cause": "{% 'no retraining pipeline on drift for family ' & "
                "$string($states.input.family) %}",
            },
            "StartRetraining": _start(),
        },
    }


def _start() -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": START,
        "Arguments": {
            "PipelineName": "{% $lookup($pipelines, $states.input.family) %}",
            "PipelineExecutionDescription": "Started by its drift alarm",
            "PipelineParameters": _parameters(),
        },
        "TimeoutSeconds": TASK_TIMEOUT_SECONDS,
        "Output": {
            "pipelineExecutionArn": "{% $states.result.PipelineExecutionArn %}",
            "runs": "{% $run %}",
        },
        "End": True,
    }
