"""Scheduled batch inference: a transform pipeline over the version pinned for the stack."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from ..aws_context import AwsIdentity
from ..context import Deployment
from .args import BatchArgs, LifecycleArgs
from .definition import JobContext, batch_definition
from .roles import batch_model_role, batch_pipeline_role


def batch_pipeline_name(deployment: Deployment, family: str) -> str:
    """`mlops-<stack>-<family>-batch`."""
    return deployment.name(family, "batch")


def _definition_json(b: BatchArgs, values: list[Any]) -> str:
    model_name, key, bucket = values
    ctx = JobContext(role_arn="", kms_key_arn=key, bucket=bucket, subnet_ids=(),
                     security_group_id="")  # fmt: skip
    return json.dumps(batch_definition(b, model_name, ctx), sort_keys=True)


def batch_pipeline(
    name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    b: BatchArgs,
    args: LifecycleArgs,
    *,
    group: aws.ec2.SecurityGroup,
    parent: pulumi.Resource,
) -> aws.sagemaker.Pipeline:
    """The pinned version as a model in the private subnets, and its transform pipeline."""
    model_role = batch_model_role(
        name,
        deployment,
        ident,
        family=b.family,
        artifact_bucket_arn=args.artifact_bucket_arn,
        input_prefix=b.input_prefix,
        output_prefix=b.output_prefix,
        kms_key_arn=args.kms_key_arn,
        vpc_id=args.vpc_id,
        parent=parent,
    )
    model = aws.sagemaker.Model(
        f"{name}-{b.family}-batch-model",
        # No fixed name: pinning another version replaces the model under a new name.
        execution_role_arn=model_role.arn,
        primary_container={"model_package_name": b.model_package_arn},
        vpc_config={"subnets": args.subnet_ids, "security_group_ids": [group.id]},
        enable_network_isolation=True,
        tags=deployment.tagged(model=b.family),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=model_role.ready),
    )
    role = batch_pipeline_role(
        name,
        deployment,
        ident,
        family=b.family,
        model_arn=model.arn,
        kms_key_arn=args.kms_key_arn,
        parent=parent,
    )
    definition = pulumi.Output.all(model.name, args.kms_key_arn, args.artifact_bucket_name).apply(
        lambda values: _definition_json(b, values)
    )
    physical = batch_pipeline_name(deployment, b.family)
    return aws.sagemaker.Pipeline(
        f"{name}-{b.family}-batch",
        pipeline_name=physical,
        pipeline_display_name=physical,
        pipeline_description=f"Batch transform of {b.family} with the version pinned for the stack",
        pipeline_definition=definition,
        role_arn=role.arn,
        tags=deployment.tagged(physical, model=b.family),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )
