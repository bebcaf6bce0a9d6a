"""SageMaker pipeline definitions (definition language 2020-12-01), built as plain data.

Retraining: Preprocess (processing) -> Train -> Evaluate (processing, writes
evaluation.json) and DataQualityBaseline (quality check) -> CheckMetric (condition on the
training job's final metric) -> Register (PendingManualApproval, with model metrics and
drift-check baselines) or Fail. Batch: one Transform step.

Only plain strings and `{"Get": ...}` references are used as values: the published
definition schema admits nothing else there (no `Std:Join`, no property files), which is
why the condition reads the training job's `FinalMetricDataList` rather than a JSON
property file, and why per-run output locations are pipeline parameters that the triggers
fill in (`run_parameters`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .args import BatchArgs, PipelineArgs

VERSION = "2020-12-01"
# Where each run writes, as pipeline parameters: name -> folder under the run's prefix.
RUN_OUTPUTS = {
    "TrainDataS3Uri": "data/train/",
    "TestDataS3Uri": "data/test/",
    "EvaluationS3Uri": "evaluation/",
    "BaselineS3Uri": "baseline/",
}
# The evaluation report the Evaluate step writes into EvaluationS3Uri.
EVALUATION_REPORT = "evaluation.json"
CODE_PATH = "/opt/ml/processing/input/code"
CONDITIONS = {
    "greaterThanOrEqualTo": "GreaterThanOrEqualTo",
    "lessThanOrEqualTo": "LessThanOrEqualTo",
}
# The Model Monitor analyzer's arguments for the training CSV: no header row and the label
# first, as SageMaker's built-in XGBoost reads it.
BASELINE_ENVIRONMENT = {
    "dataset_format": json.dumps({"csv": {"header": False, "output_columns_position": "START"}}),
    "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
    "output_path": "/opt/ml/processing/output",
    "publish_cloudwatch_metrics": "Disabled",
}


@dataclass(frozen=True)
class JobContext:
    """Resolved values every job of a pipeline needs.

    Args:
        role_arn: Pipeline role: the jobs run as it.
        kms_key_arn: Volume and output encryption.
        bucket: Artifact bucket name.
        subnet_ids: Private subnets of the jobs.
        security_group_id: Security group of the jobs.
        input_uri: s3:// URI of the training data.
    """

    role_arn: str
    kms_key_arn: str
    bucket: str
    subnet_ids: Sequence[str]
    security_group_id: str
    input_uri: str = ""


def pipeline_prefix(family: str) -> str:
    """Key prefix of a family's pipeline artifacts: its role writes nowhere else (but models)."""
    return f"pipelines/{family}/"


def model_prefix(family: str) -> str:
    """Key prefix of a family's trained models: read by its endpoints and consumers."""
    return f"models/{family}/"


def run_parameters(bucket: str, family: str, run: str) -> dict[str, str]:
    """Output locations of one run: `s3://<bucket>/pipelines/<family>/runs/<run>/...`."""
    base = f"s3://{bucket}/{pipeline_prefix(family)}runs/{run}/"
    values = {name: base + folder for name, folder in RUN_OUTPUTS.items()}
    values["EvaluationReportS3Uri"] = values["EvaluationS3Uri"] + EVALUATION_REPORT
    return values


def _get(path: str) -> dict[str, str]:
    return {"Get": path}


def _vpc(ctx: JobContext) -> dict[str, Any]:
    return {"Subnets": list(ctx.subnet_ids), "SecurityGroupIds": [ctx.security_group_id]}


def _processing(
    ctx: JobContext, image: str, instance_type: str, runtime: int, entrypoint: list[str] | None
) -> dict[str, Any]:
    """Arguments shared by processing and quality-check steps (CreateProcessingJob)."""
    app: dict[str, Any] = {"ImageUri": image}
    if entrypoint:
        app["ContainerEntrypoint"] = entrypoint
    return {
        "AppSpecification": app,
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": instance_type,
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": ctx.kms_key_arn,
            }
        },
        "NetworkConfig": {
            "EnableInterContainerTrafficEncryption": True,
            "EnableNetworkIsolation": False,
            "VpcConfig": _vpc(ctx),
        },
        "RoleArn": ctx.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime},
    }


def _input(name: str, uri: Any, local: str) -> dict[str, Any]:
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }


def _outputs(ctx: JobContext, outputs: Mapping[str, tuple[Any, str]]) -> dict[str, Any]:
    return {
        "KmsKeyId": ctx.kms_key_arn,
        "Outputs": [
            {
                "OutputName": name,
                "S3Output": {"S3Uri": uri, "LocalPath": local, "S3UploadMode": "EndOfJob"},
            }
            for name, (uri, local) in outputs.items()
        ],
    }


def _code(ctx: JobContext, family: str) -> dict[str, Any]:
    uri = f"s3://{ctx.bucket}/{pipeline_prefix(family)}code/"
    return _input("code", uri, CODE_PATH)


def preprocess_step(p: PipelineArgs, ctx: JobContext) -> dict[str, Any]:
    """Split the family's data into train/ and test/ (the family's preprocess.py)."""
    args = _processing(
        ctx,
        p.training_image,
        p.processing_instance_type,
        p.max_runtime_seconds,
        ["python3", f"{CODE_PATH}/preprocess.py"],
    )
    args["ProcessingInputs"] = [
        _input("data", ctx.input_uri, "/opt/ml/processing/input/data"),
        _code(ctx, p.family),
    ]
    args["ProcessingOutputConfig"] = _outputs(
        ctx,
        {
            "train": (_get("Parameters.TrainDataS3Uri"), "/opt/ml/processing/output/train"),
            "test": (_get("Parameters.TestDataS3Uri"), "/opt/ml/processing/output/test"),
        },
    )
    return {"Name": "Preprocess", "Type": "Processing", "Arguments": args}


def _output_uri(name: str) -> dict[str, str]:
    return _get(f"Steps.Preprocess.ProcessingOutputConfig.Outputs['{name}'].S3Output.S3Uri")


def _channel(name: str) -> dict[str, Any]:
    return {
        "ChannelName": "validation" if name == "test" else name,
        "ContentType": "text/csv",
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": _output_uri(name),
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }


def training_step(p: PipelineArgs, ctx: JobContext) -> dict[str, Any]:
    """Train with the framework image; the model lands under models/<family>/."""
    algorithm: dict[str, Any] = {"TrainingImage": p.training_image, "TrainingInputMode": "File"}
    if p.metric_regex is not None:
        algorithm["MetricDefinitions"] = [{"Name": p.metric_name, "Regex": p.metric_regex}]
    args = {
        "AlgorithmSpecification": algorithm,
        "HyperParameters": dict(p.hyperparameters),
        "InputDataConfig": [_channel("train"), _channel("test")],
        "OutputDataConfig": {
            "KmsKeyId": ctx.kms_key_arn,
            "S3OutputPath": f"s3://{ctx.bucket}/{model_prefix(p.family)}",
        },
        "ResourceConfig": {
            "InstanceType": p.training_instance_type,
            "InstanceCount": p.training_instance_count,
            "VolumeSizeInGB": 30,
            "VolumeKmsKeyId": ctx.kms_key_arn,
        },
        "RoleArn": ctx.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": p.max_runtime_seconds},
        "VpcConfig": _vpc(ctx),
        "EnableInterContainerTrafficEncryption": True,
        # SageMaker downloads the channels and uploads the model; the container needs no
        # network of its own.
        "EnableNetworkIsolation": True,
    }
    return {"Name": "Train", "Type": "Training", "Arguments": args}


def evaluation_step(p: PipelineArgs, ctx: JobContext) -> dict[str, Any]:
    """Score the model on test/ and write evaluation.json (the family's evaluate.py)."""
    args = _processing(
        ctx,
        p.training_image,
        p.processing_instance_type,
        p.max_runtime_seconds,
        ["python3", f"{CODE_PATH}/evaluate.py"],
    )
    args["ProcessingInputs"] = [
        _input(
            "model", _get("Steps.Train.ModelArtifacts.S3ModelArtifacts"), "/opt/ml/processing/model"
        ),
        _input("test", _output_uri("test"), "/opt/ml/processing/test"),
        _code(ctx, p.family),
    ]
    args["ProcessingOutputConfig"] = _outputs(
        ctx, {"evaluation": (_get("Parameters.EvaluationS3Uri"), "/opt/ml/processing/evaluation")}
    )
    return {"Name": "Evaluate", "Type": "Processing", "Arguments": args}


def baseline_step(p: PipelineArgs, ctx: JobContext) -> dict[str, Any]:
    """Data-quality statistics and constraints of the training data: the version's baseline."""
    args = _processing(
        ctx, p.quality_check_image, p.processing_instance_type, p.max_runtime_seconds, None
    )
    args["Environment"] = dict(BASELINE_ENVIRONMENT)
    args["ProcessingInputs"] = [
        _input(
            "baseline_dataset_input", _output_uri("train"), BASELINE_ENVIRONMENT["dataset_source"]
        )
    ]
    args["ProcessingOutputConfig"] = _outputs(
        ctx,
        {"quality_check_output": (_get("Parameters.BaselineS3Uri"), "/opt/ml/processing/output")},
    )
    return {
        "Name": "DataQualityBaseline",
        "Type": "QualityCheck",
        "CheckType": "DATA_QUALITY",
        "ModelPackageGroupName": p.model_package_group_name,
        # Compute the new version's baseline; checking against the previous one is the
        # monitors' job once the version serves.
        "SkipCheck": True,
        "RegisterNewBaseline": True,
        "Arguments": args,
    }


def _report(uri: Any) -> dict[str, Any]:
    return {"ContentType": "application/json", "S3Uri": uri}


def register_step(p: PipelineArgs) -> dict[str, Any]:
    """Register the model as a PendingManualApproval version with metrics and baselines."""
    statistics = _get("Steps.DataQualityBaseline.CalculatedBaselineStatistics")
    constraints = _get("Steps.DataQualityBaseline.CalculatedBaselineConstraints")
    data_quality = {"Statistics": _report(statistics), "Constraints": _report(constraints)}
    args = {
        "ModelPackageGroupName": p.model_package_group_name,
        "ModelPackageDescription": f"{p.family}: {p.metric_name} passed {p.comparison} "
        f"{p.metric_threshold}",
        "InferenceSpecification": {
            "Containers": [
                {
                    "Image": p.inference_image,
                    "ModelDataUrl": _get("Steps.Train.ModelArtifacts.S3ModelArtifacts"),
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        "ModelMetrics": {
            "ModelQuality": {"Statistics": _report(_get("Parameters.EvaluationReportS3Uri"))},
            "ModelDataQuality": data_quality,
        },
        # Not in the published definition schema, members of CreateModelPackage (the
        # step's API request): a version waits for a person, and brings its baseline.
        "ModelApprovalStatus": "PendingManualApproval",
        "DriftCheckBaselines": {"ModelDataQuality": data_quality},
    }
    return {"Name": "Register", "Type": "RegisterModel", "Arguments": args}


def condition_step(p: PipelineArgs) -> dict[str, Any]:
    """Register when the training metric reaches the threshold; fail the run otherwise."""
    metric = _get(f"Steps.Train.FinalMetricDataList['{p.metric_name}'].Value")
    fail = {
        "Name": "MetricBelowThreshold",
        "Type": "Fail",
        "Arguments": {
            "ErrorMessage": f"{p.metric_name} did not pass {p.comparison} {p.metric_threshold}; "
            "no version registered"
        },
    }
    return {
        "Name": "CheckMetric",
        "Type": "Condition",
        "DependsOn": ["Evaluate", "DataQualityBaseline"],
        "Arguments": {
            "Conditions": [
                {
                    "Type": CONDITIONS[p.comparison],
                    "LeftValue": metric,
                    "RightValue": p.metric_threshold,
                }
            ],
            "IfSteps": [register_step(p)],
            "ElseSteps": [fail],
        },
    }


def _parameters(defaults: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {"Name": name, "Type": "String", "DefaultValue": value} for name, value in defaults.items()
    ]


def retraining_definition(p: PipelineArgs, ctx: JobContext) -> dict[str, Any]:
    """The retraining pipeline of one family; hand-started runs write under runs/manual/."""
    return {
        "Version": VERSION,
        "Metadata": {},
        "Parameters": _parameters(run_parameters(ctx.bucket, p.family, "manual")),
        "Steps": [
            preprocess_step(p, ctx),
            training_step(p, ctx),
            evaluation_step(p, ctx),
            baseline_step(p, ctx),
            condition_step(p),
        ],
    }


def batch_output_uri(bucket: str, b: BatchArgs, run: str) -> str:
    """Where one batch run writes: a folder per run under the output prefix."""
    return f"s3://{bucket}/{b.output_prefix}{run}/"


def batch_definition(b: BatchArgs, model_name: str, ctx: JobContext) -> dict[str, Any]:
    """One Transform step over the input prefix with the pinned version's model."""
    transform = {
        "ModelName": model_name,
        "BatchStrategy": "MultiRecord",
        "MaxPayloadInMB": 6,
        "ModelClientConfig": {
            "InvocationsTimeoutInSeconds": min(b.max_runtime_seconds, 3600),
            "InvocationsMaxRetries": 1,
        },
        "TransformInput": {
            "ContentType": "text/csv",
            "SplitType": "Line",
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"s3://{ctx.bucket}/{b.input_prefix}",
                }
            },
        },
        "TransformOutput": {
            "S3OutputPath": _get("Parameters.OutputS3Uri"),
            "KmsKeyId": ctx.kms_key_arn,
            "AssembleWith": "Line",
        },
        "TransformResources": {
            "InstanceType": b.instance_type,
            "InstanceCount": b.instance_count,
            "VolumeKmsKeyId": ctx.kms_key_arn,
        },
    }
    return {
        "Version": VERSION,
        "Metadata": {},
        "Parameters": _parameters({"OutputS3Uri": batch_output_uri(ctx.bucket, b, "manual")}),
        "Steps": [{"Name": "Transform", "Type": "Transform", "Arguments": transform}],
    }
