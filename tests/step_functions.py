"""Executing the platform's state machines in moto.

moto's Step Functions backend interprets Amazon States Language with LocalStack's parser
(`stepfunctions.execute_state_machine`) and calls its own services for the AWS SDK
integrations. It evaluates JSONata through the JVM library LocalStack ships, which moto
leaves out; `moto_step_functions` hands its one evaluation hook to `jsonata-python`, a port
of that same library. So a definition is parsed, validated and run as Step Functions would
run it, against whatever the test put in moto.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import jsonata
import pytest
from moto import mock_aws

REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/mlops-test-machine"


def _evaluate(expression: str) -> Any:
    # moto hands over a self-contained expression (variables declared inside it).
    return jsonata.Jsonata(expression).evaluate(None)


@contextmanager
def moto_step_functions(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto with executing Step Functions; clients of Step Functions, SageMaker and S3."""
    from moto.stepfunctions.parser.asl.jsonata import jsonata as sfn_jsonata

    monkeypatch.setattr(sfn_jsonata, "_eval_jsonata", _evaluate)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield {s: boto3.client(s, region_name=REGION) for s in ("s3", "sagemaker", "stepfunctions")}


def run_execution(
    aws: dict[str, Any], definition: str, payload: dict[str, Any], name: str | None = None
) -> dict[str, Any]:
    """Create the machine, start one execution, wait (bounded) for its end."""
    sfn = aws["stepfunctions"]
    machine = sfn.create_state_machine(
        name=f"machine-{time.monotonic_ns()}", definition=definition, roleArn=ROLE_ARN
    )["stateMachineArn"]
    extra = {"name": name} if name else {}
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(payload), **extra)
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.05)
    raise AssertionError("the execution did not end within 10 s")
