"""Least-privilege roles of the lifecycle: pipeline execution, batch model, triggers.

A pipeline role reads only its family's inputs and code, writes only its family's
pipeline artifacts and models, registers versions only in its family's package group, and
may pass only itself (to the jobs it starts). Job names are the ones SageMaker Pipelines
gives its jobs (`pipelines-<execution>-<step>`), so the role cannot start jobs outside a
pipeline run.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from ..aws_context import AwsIdentity
from ..context import Deployment
from ..iam import ServiceRole, Statement, service_role, vpc_interface_statements
from ..model_registry import model_package_arn
from ..output_values import all_of, concat
from .definition import model_prefix, pipeline_prefix

JOB_KINDS = ("processing-job", "training-job", "transform-job")
# Log groups SageMaker writes job logs to (shared by the account's jobs of each kind).
JOB_LOG_GROUPS = ("ProcessingJobs", "TrainingJobs", "TransformJobs")


def _arn(ident: AwsIdentity, service: str, resource: str) -> pulumi.Output[str]:
    return concat(
        "arn:", ident.partition, f":{service}:", ident.region, ":", ident.account_id, resource
    )


def _s3_statements(
    sid: str,
    bucket_arn: pulumi.Input[str],
    prefixes: Sequence[pulumi.Input[str]],
    actions: list[str],
) -> list[Statement]:
    """`actions` on objects under `prefixes` of one bucket, and listing only those."""
    bucket = pulumi.Output.from_input(bucket_arn)
    return [
        {
            "Sid": sid,
            "Effect": "Allow",
            "Action": actions,
            "Resource": [concat(bucket, "/", p, "*") for p in prefixes],
        },
        {
            "Sid": f"List{sid}",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket,
            "Condition": {"StringLike": {"s3:prefix": [concat(p, "*") for p in prefixes]}},
        },
    ]


def key_statement(kms_key_arn: pulumi.Input[str], grants: bool = False) -> Statement:
    """Use the platform key; with `grants`, let SageMaker attach it to job volumes."""
    statement: dict[str, object] = {
        "Sid": "UsePlatformKey",
        "Effect": "Allow",
        "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        "Resource": kms_key_arn,
    }
    if not grants:
        return statement
    return {
        **statement,
        "Action": [*statement["Action"], "kms:CreateGrant"],  # type: ignore[misc]
    }


def _job_statements(ident: AwsIdentity, kinds: Sequence[str]) -> list[Statement]:
    """Start, watch and stop the pipeline's own jobs; write their logs and metrics."""
    jobs = [_arn(ident, "sagemaker", f":{kind}/pipelines-*") for kind in kinds]
    verbs = {"processing-job": "ProcessingJob", "training-job": "TrainingJob",
             "transform-job": "TransformJob"}  # fmt: skip
    actions = sorted(
        f"sagemaker:{verb}{verbs[kind]}"
        for kind in kinds
        for verb in ("Create", "Describe", "Stop")
    )
    logs = [_arn(ident, "logs", f":log-group:/aws/sagemaker/{group}:*") for group in JOB_LOG_GROUPS]
    return [
        {
            "Sid": "RunOwnPipelineJobs",
            "Effect": "Allow",
            "Action": [*actions, "sagemaker:AddTags"],
            "Resource": jobs,
        },
        {
            "Sid": "WriteJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": logs,
        },
        {
            "Sid": "PublishJobMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}},
        },
    ]


def _register_statement(ident: AwsIdentity, group_name: str) -> Statement:
    """Register and read versions of the family's own package group only."""
    return {
        "Sid": "RegisterOwnVersions",
        "Effect": "Allow",
        "Action": [
            "sagemaker:CreateModelPackage",
            "sagemaker:DescribeModelPackage",
            "sagemaker:ListModelPackages",
            "sagemaker:DescribeModelPackageGroup",
            "sagemaker:AddTags",
        ],
        "Resource": [
            _arn(ident, "sagemaker", f":model-package-group/{group_name}"),
            all_of(ident.partition, ident.region, ident.account_id).apply(
                lambda v: model_package_arn(v[0], v[1], v[2], group_name, "*")
            ),
        ],
    }


def pipeline_role(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    *,
    family: str,
    group_name: str,
    artifact_bucket_arn: pulumi.Input[str],
    input_bucket_arn: pulumi.Input[str],
    input_prefix: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> ServiceRole:
    """The execution role of one family's retraining pipeline and of its jobs."""
    role_name = deployment.name(family, "pipeline")
    self_arn = concat("arn:", ident.partition, ":iam::", ident.account_id,
                                    f":role/{role_name}")  # fmt: skip
    statements: list[Statement] = [
        *_s3_statements("ReadOwnInputs", input_bucket_arn, [input_prefix], ["s3:GetObject"]),
        *_s3_statements(
            "OwnArtifacts",
            artifact_bucket_arn,
            [pipeline_prefix(family), model_prefix(family)],
            ["s3:GetObject", "s3:PutObject"],
        ),
        key_statement(kms_key_arn, grants=True),
        *_job_statements(ident, ("processing-job", "training-job")),
        _register_statement(ident, group_name),
        {
            # The jobs run as this role: it may hand itself to SageMaker and nothing else.
            "Sid": "PassOnlyItselfToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": self_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        *vpc_interface_statements(ident.account_id, ident.region, ident.partition, vpc_id),
    ]
    return service_role(
        f"{name}-{family}-pipeline-role",
        deployment,
        role_name=role_name,
        services=["sagemaker.amazonaws.com"],
        parent=parent,
        statements=statements,
        description=f"Runs the {family} retraining pipeline and its jobs.",
    )


def batch_model_role(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    *,
    family: str,
    artifact_bucket_arn: pulumi.Input[str],
    input_prefix: str,
    output_prefix: str,
    kms_key_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> ServiceRole:
    """The role of a batch model: its artifacts and input in, its output prefix out."""
    statements: list[Statement] = [
        *_s3_statements(
            "ReadModelAndInput", artifact_bucket_arn, [model_prefix(family), input_prefix],
            ["s3:GetObject"],
        ),
        *_s3_statements("WriteOutput", artifact_bucket_arn, [output_prefix], ["s3:PutObject"]),
        key_statement(kms_key_arn),
        {"Sid": "WriteTransformLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
         "Resource": _arn(ident, "logs", ":log-group:/aws/sagemaker/TransformJobs:*")},
        *vpc_interface_statements(ident.account_id, ident.region, ident.partition, vpc_id),
    ]  # fmt: skip
    return service_role(
        f"{name}-{family}-batch-model-role",
        deployment,
        role_name=deployment.name(family, "batch-model"),
        services=["sagemaker.amazonaws.com"],
        parent=parent,
        statements=statements,
        description=f"Runs the {family} batch transform's model containers.",
    )


def batch_pipeline_role(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    *,
    family: str,
    model_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> ServiceRole:
    """The execution role of a batch pipeline: start transform jobs of its model only."""
    statements: list[Statement] = [
        *_job_statements(ident, ("transform-job",)),
        {"Sid": "UseOwnModel", "Effect": "Allow", "Action": "sagemaker:DescribeModel",
         "Resource": model_arn},
        key_statement(kms_key_arn, grants=True),
    ]  # fmt: skip
    return service_role(
        f"{name}-{family}-batch-pipeline-role",
        deployment,
        role_name=deployment.name(family, "batch"),
        services=["sagemaker.amazonaws.com"],
        parent=parent,
        statements=statements,
        description=f"Runs the {family} batch-transform pipeline.",
    )


def trigger_role(
    name: str,
    deployment: Deployment,
    *,
    role_name: str,
    service: str,
    pipeline_arns: Sequence[pulumi.Input[str]],
    queue_arn: pulumi.Input[str] | None,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> ServiceRole:
    """The role a schedule or rule starts pipelines as: those pipelines, its dead letters."""
    statements: list[Statement] = [
        {
            "Sid": "StartOwnPipelines",
            "Effect": "Allow",
            "Action": "sagemaker:StartPipelineExecution",
            "Resource": list(pipeline_arns),
        }
    ]
    if queue_arn is not None:
        statements += [
            {"Sid": "DeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage",
             "Resource": queue_arn},
            {"Sid": "EncryptDeadLetters", "Effect": "Allow",
             "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": kms_key_arn},
        ]  # fmt: skip
    return service_role(
        name,
        deployment,
        role_name=role_name,
        services=[service],
        parent=parent,
        statements=statements,
        description="Starts the platform's pipelines on schedule or on drift.",
    )
