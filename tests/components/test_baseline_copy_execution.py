"""The baseline-copy state machine, executed: moto runs the definition the plan deploys
(`tests/step_functions.py`) against model packages registered with drift-check baselines
in moto, and the tests read what landed in moto's S3."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from components.baselines.definition import ERRORS, copy_definition
from infra.plan import Plan
from tests.helpers import of_type
from tests.step_functions import REGION, ROLE_ARN, moto_step_functions, run_execution

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
# What the pipeline's QualityCheck step writes for a run (BaselineS3Uri of runs/manual/).
RUN_BASELINE = "pipelines/fraud-detector/runs/manual/baseline/"
BASELINE_FILES = {"statistics.json": b'{"version": 0.0, "dataset": {"item_count": 7}}',
                  "constraints.json": b'{"version": 0.0, "features": []}'}  # fmt: skip


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with moto_step_functions(monkeypatch) as clients:
        yield clients


def _planned(plan: Plan) -> dict[str, Any]:
    (machine,) = [m for m in of_type(plan, STATE_MACHINE) if m["name"] == "baseline-copy-machine"]
    return machine


def _bucket(definition: dict[str, Any]) -> str:
    return str(definition["States"]["CopyStatistics"]["Arguments"]["Bucket"])


def _register(
    aws: dict[str, Any], bucket: str, group: str, *, status: str, baseline: bool = True
) -> str:
    """A version as the pipeline's Register step creates it; returns its ARN."""
    sagemaker = aws["sagemaker"]
    with contextlib.suppress(sagemaker.exceptions.ClientError):  # registered before
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    extra: dict[str, Any] = {}
    if baseline:
        for name, body in BASELINE_FILES.items():
            aws["s3"].put_object(Bucket=bucket, Key=RUN_BASELINE + name, Body=body)
        report = {
            kind: {"ContentType": "application/json", "S3Uri": f"s3://{bucket}/{RUN_BASELINE}{n}"}
            for kind, n in (("Statistics", "statistics.json"), ("Constraints", "constraints.json"))
        }
        extra["DriftCheckBaselines"] = {"ModelDataQuality": report}
    return str(
        sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelApprovalStatus=status,
            InferenceSpecification={
                "Containers": [{"Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1.0"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            **extra,
        )["ModelPackageArn"]
    )


def _run(aws: dict[str, Any], definition: str, package_arn: str) -> dict[str, Any]:
    """An execution with the approval event's shape as input."""
    event = {
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "detail": {"ModelPackageArn": package_arn, "ModelApprovalStatus": "Approved"},
    }
    return run_execution(aws, definition, event)


def _keys(aws: dict[str, Any], bucket: str, prefix: str) -> list[str]:
    listed = aws["s3"].list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_an_approved_version_brings_its_baseline_to_the_monitors_path(
    shipped_plan: Any, aws: dict[str, Any]
) -> None:
    planned = _planned(shipped_plan("prod"))
    definition = json.loads(planned["inputs"]["definition"])
    bucket = _bucket(definition)
    aws["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    _register(aws, bucket, "mlops-prod-fraud-detector", status="Approved")  # version 1
    arn = _register(aws, bucket, "mlops-prod-fraud-detector", status="Approved")  # version 2

    result = _run(aws, planned["inputs"]["definition"], arn)

    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {
        "family": "fraud-detector",
        "version": 2,
        "baseline": f"s3://{bucket}/baselines/fraud-detector/2/",
    }
    # Exactly where model_monitoring reads it (infra.config.monitoring.baseline_prefix).
    assert _keys(aws, bucket, "baselines/") == [
        "baselines/fraud-detector/2/constraints.json",
        "baselines/fraud-detector/2/statistics.json",
    ]
    for name, body in BASELINE_FILES.items():
        copied = aws["s3"].get_object(Bucket=bucket, Key=f"baselines/fraud-detector/2/{name}")
        assert copied["Body"].read() == body
        assert copied["ServerSideEncryption"] == "aws:kms"
        assert copied["SSEKMSKeyId"] == planned["inputs"]["encryptionConfiguration"]["kmsKeyId"]


@pytest.mark.parametrize(
    ("group", "status", "baseline", "error"),
    [
        ("mlops-prod-fraud-detector", "Approved", False, ERRORS["no_baseline"]),
        ("mlops-prod-fraud-detector", "Rejected", True, ERRORS["not_approved"]),
        ("mlops-dev-fraud-detector", "Approved", True, ERRORS["unknown_group"]),
    ],
)
def test_a_version_it_cannot_copy_fails_the_execution_with_a_reason(
    aws: dict[str, Any], group: str, status: str, baseline: bool, error: str
) -> None:
    bucket = "mlops-prod-artifacts-123456789012"
    aws["s3"].create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    definition = copy_definition(
        bucket,
        "arn:aws:kms:eu-west-1:123456789012:key/mock",
        {"mlops-prod-fraud-detector": "fraud-detector"},
    )
    arn = _register(aws, bucket, group, status=status, baseline=baseline)

    result = _run(aws, json.dumps(definition), arn)

    assert result["status"] == "FAILED"
    assert result["error"] == error
    assert arn in result["cause"]
    # Nothing lands where a monitor would read it.
    assert _keys(aws, bucket, "baselines/") == []


def test_the_definition_is_valid_states_language(shipped_plan: Any, aws: dict[str, Any]) -> None:
    """moto's Step Functions refuses what the ASL parser rejects (its InvalidDefinition
    reaches boto3 without an error code, hence the message match)."""
    sfn = aws["stepfunctions"]
    definition = _planned(shipped_plan("prod"))["inputs"]["definition"]
    sfn.create_state_machine(name="valid", definition=definition, roleArn=ROLE_ARN)
    # The same states read as JSONPath: `Arguments` and `{% %}` belong to JSONata only.
    broken = json.loads(definition)
    broken["QueryLanguage"] = "JSONPath"
    with pytest.raises(ClientError, match="Unsupported declaration"):
        sfn.create_state_machine(name="broken", definition=json.dumps(broken), roleArn=ROLE_ARN)
