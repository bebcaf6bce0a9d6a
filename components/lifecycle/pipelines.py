"""The retraining pipeline of a model family: its role, its definition, the resource."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from ..aws_context import AwsIdentity
from ..context import Deployment
from ..iam import ServiceRole
from .args import LifecycleArgs, PipelineArgs
from .definition import JobContext, retraining_definition
from .roles import pipeline_role

# How many steps of one execution may run at once (Evaluate and DataQualityBaseline).
MAX_PARALLEL_STEPS = 2


def pipeline_name(deployment: Deployment, family: str) -> str:
    """`mlops-<stack>-<family>-retrain`."""
    return deployment.name(family, "retrain")


def jobs_security_group(
    name: str, deployment: Deployment, vpc_id: pulumi.Input[str], parent: pulumi.Resource
) -> aws.ec2.SecurityGroup:
    """The jobs' network interfaces: HTTPS out (S3, ECR, SageMaker through the VPC
    endpoints), and traffic among the instances of one job (distributed training)."""
    group_name = deployment.name("pipelines")
    return aws.ec2.SecurityGroup(
        f"{name}-jobs-sg",
        name=group_name,
        description="SageMaker pipeline jobs",
        vpc_id=vpc_id,
        ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True,
                  "description": "Instances of one job"}],
        egress=[
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"],
             "description": "HTTPS to S3, ECR and SageMaker"},
            {"protocol": "-1", "from_port": 0, "to_port": 0, "self": True,
             "description": "Instances of one job"},
        ],
        tags=deployment.tagged(group_name),
        opts=pulumi.ResourceOptions(parent=parent),
    )  # fmt: skip


def _definition_json(p: PipelineArgs, values: list[Any]) -> str:
    role_arn, key, bucket, subnets, group, input_bucket, input_prefix = values
    ctx = JobContext(
        role_arn=role_arn,
        kms_key_arn=key,
        bucket=bucket,
        subnet_ids=subnets,
        security_group_id=group,
        input_uri=f"s3://{input_bucket}/{input_prefix}",
    )
    return json.dumps(retraining_definition(p, ctx), sort_keys=True)


def retraining_pipeline(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    p: PipelineArgs,
    args: LifecycleArgs,
    *,
    group: aws.ec2.SecurityGroup,
    parent: pulumi.Resource,
) -> tuple[aws.sagemaker.Pipeline, ServiceRole]:
    """The family's pipeline and the role it (and each of its jobs) runs as."""
    role = pipeline_role(
        name,
        deployment,
        ident,
        family=p.family,
        group_name=p.model_package_group_name,
        artifact_bucket_arn=args.artifact_bucket_arn,
        input_bucket_arn=p.input_bucket_arn,
        input_prefix=p.input_prefix,
        kms_key_arn=args.kms_key_arn,
        vpc_id=args.vpc_id,
        parent=parent,
    )
    definition = pulumi.Output.all(
        role.arn,
        args.kms_key_arn,
        args.artifact_bucket_name,
        args.subnet_ids,
        group.id,
        p.input_bucket_name,
        p.input_prefix,
    ).apply(lambda values: _definition_json(p, values))
    physical = pipeline_name(deployment, p.family)
    pipeline = aws.sagemaker.Pipeline(
        f"{name}-{p.family}-pipeline",
        pipeline_name=physical,
        pipeline_display_name=physical,
        pipeline_description=f"Retrains {p.family} and registers versions for approval",
        pipeline_definition=definition,
        role_arn=role.arn,
        parallelism_configuration={"max_parallel_execution_steps": MAX_PARALLEL_STEPS},
        tags=deployment.tagged(physical, model=p.family),
        # SageMaker checks the role when the pipeline is created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )
    return pipeline, role
