"""The baseline-copy state machine (Amazon States Language, JSONata), built as plain data.

Input: a "SageMaker Model Package State Change" event (or `{"detail": {"ModelPackageArn":
...}}` to re-run one version by hand). The machine describes the version, checks that it is
Approved, that its group is one of the stack's families and that it was registered with a
data-quality drift-check baseline, then copies the baseline's `statistics.json` and
`constraints.json` to `baselines/<family>/<version>/` in the artifact bucket, where the
data-quality schedules of the endpoints serving that version read them. Every refusal is a
Fail state with its own error name and a cause that says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DESCRIBE = "arn:aws:states:::aws-sdk:sagemaker:describeModelPackage"
COPY = "arn:aws:states:::aws-sdk:s3:copyObject"
# Where a version's baseline lands: the convention the data-quality schedules read.
BASELINE_FILES = {"Statistics": "statistics.json", "Constraints": "constraints.json"}
# An SDK call that has not answered in this time has failed: the execution fails (and
# alarms) instead of waiting for the workflow's one-year limit.
TASK_TIMEOUT_SECONDS = 60
# Transient failures (throttling, a KMS or S3 hiccup): retried; a refusal (access denied,
# an unknown version) fails again and then the execution.
RETRY = [
    {
        "ErrorEquals": ["States.Timeout", "States.TaskFailed"],
        "IntervalSeconds": 5,
        "MaxAttempts": 2,
        "BackoffRate": 2.0,
    }
]
ERRORS = {
    "not_approved": "ModelPackageNotApproved",
    "unknown_group": "UnknownModelPackageGroup",
    "no_baseline": "NoDriftCheckBaseline",
}


def baseline_key(family_expr: str, version_expr: str, file_name: str) -> str:
    """JSONata: `baselines/<family>/<version>/<file>` (the monitors' convention path)."""
    return f"'baselines/' & {family_expr} & '/' & {version_expr} & '/{file_name}'"


def _baseline_uri(kind: str) -> str:
    return f"$package.DriftCheckBaselines.ModelDataQuality.{kind}.S3Uri"


FAMILY = "$lookup($families, $package.ModelPackageGroupName)"
VERSION = "$string($package.ModelPackageVersion)"


def _describe(families: Mapping[str, str]) -> dict[str, Any]:
    """Describe the version; keep it and the stack's group -> family map as variables."""
    return {
        "Type": "Task",
        "Comment": "The version the event names, as registered (its drift-check baselines)",
        "Resource": DESCRIBE,
        "Arguments": {"ModelPackageName": "{% $states.input.detail.ModelPackageArn %}"},
        "TimeoutSeconds": TASK_TIMEOUT_SECONDS,
        "Retry": RETRY,
        "Assign": {"package": "{% $states.result %}", "families": dict(families)},
        "Next": "CheckVersion",
    }


def _fail(error: str, cause: str) -> dict[str, Any]:
    return {"Type": "Fail", "Error": error, "Cause": "{% " + cause + " %}"}


def _check() -> dict[str, Any]:
    """Refuse, in this order: not Approved, a group of another stack, no baseline."""
    has_baseline = " and ".join(f"$exists({_baseline_uri(kind)})" for kind in BASELINE_FILES)
    return {
        "Type": "Choice",
        "Choices": [
            {
                "Condition": "{% $package.ModelApprovalStatus != 'Approved' %}",
                "Next": "NotApproved",
            },
            {"Condition": f"{{% $not($exists({FAMILY})) %}}", "Next": "UnknownGroup"},
            {"Condition": f"{{% $not({has_baseline}) %}}", "Next": "NoBaseline"},
        ],
        "Default": "CopyStatistics",
    }


def _copy(kind: str, bucket: str, kms_key_arn: str, next_state: str | None) -> dict[str, Any]:
    """S3 CopyObject of one baseline file, SSE-KMS with the platform key."""
    key = baseline_key(FAMILY, VERSION, BASELINE_FILES[kind])
    state: dict[str, Any] = {
        "Type": "Task",
        "Comment": f"The registered {kind.lower()} to the monitors' baseline path",
        "Resource": COPY,
        "Arguments": {
            "Bucket": bucket,
            "Key": "{% " + key + " %}",
            # CopyObject names its source `<bucket>/<key>`: the S3 URI without its scheme.
            "CopySource": "{% $substringAfter(" + _baseline_uri(kind) + ", 's3://') %}",
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": kms_key_arn,
            "BucketKeyEnabled": True,
        },
        "TimeoutSeconds": TASK_TIMEOUT_SECONDS,
        "Retry": RETRY,
    }
    if next_state is None:
        state["Output"] = {
            "family": "{% " + FAMILY + " %}",
            "version": "{% $package.ModelPackageVersion %}",
            "baseline": "{% 's3://" + bucket + "/' & " + baseline_key(FAMILY, VERSION, "") + " %}",
        }
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def copy_definition(bucket: str, kms_key_arn: str, families: Mapping[str, str]) -> dict[str, Any]:
    """The state machine: `families` maps each package group name to its model family."""
    if not families:
        raise ValueError("the baseline copy needs at least one model package group")
    to_convention = f"s3://{bucket}/baselines/<family>/<version>/"
    return {
        "Comment": "Copies an Approved model version's registered data-quality drift-check "
        "baseline to where its endpoints' data-quality schedules read it",
        "QueryLanguage": "JSONata",
        "StartAt": "DescribeVersion",
        "States": {
            "DescribeVersion": _describe(families),
            "CheckVersion": _check(),
            "NotApproved": _fail(
                ERRORS["not_approved"],
                "$package.ModelPackageArn & ' is ' & $package.ModelApprovalStatus & "
                "': only Approved versions get a monitoring baseline'",
            ),
            "UnknownGroup": _fail(
                ERRORS["unknown_group"],
                "$package.ModelPackageArn & ' is not in a model package group of this stack'",
            ),
            "NoBaseline": _fail(
                ERRORS["no_baseline"],
                "$package.ModelPackageArn & ' was registered without "
                "DriftCheckBaselines.ModelDataQuality (Statistics and Constraints): register "
                "the version with its drift-check baseline, or put statistics.json and "
                f"constraints.json under {to_convention} yourself'",
            ),
            "CopyStatistics": _copy("Statistics", bucket, kms_key_arn, "CopyConstraints"),
            "CopyConstraints": _copy("Constraints", bucket, kms_key_arn, None),
        },
    }
