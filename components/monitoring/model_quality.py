"""Model Monitor model-quality checks: captured predictions merged with ground-truth labels.

Per endpoint with ground truth configured: a model-quality job definition, a schedule and
an alarm on the metric the stack file names. The pulumi-aws provider has no resource for
model-quality job definitions, so the definition is an `AWS::SageMaker::ModelQualityJobDefinition`
in a one-resource CloudFormation stack. Like the data-quality definition it cannot be
updated: its name (and the stack's) carries a hash of its content, so a change creates the
new stack, repoints the schedule and only then deletes the old one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from ..iam import ServiceRole
from .args import ModelQualityArgs, MonitoredEndpointArgs, MonitoringArgs

# Where Model Monitor publishes model-quality metrics of real-time endpoints, and the
# dimensions it publishes them with.
MODEL_QUALITY_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"
DEFINITION_TYPE = "AWS::SageMaker::ModelQualityJobDefinition"
# SageMaker's limit on job definition names (and so on the CloudFormation stack's).
MAX_DEFINITION_NAME = 63
# A model-quality run publishes each metric once: one datapoint a day is the cadence of
# the default daily schedule.
ALARM_PERIOD_SECONDS = 86400


def definition_name(key: str, content: Any) -> str:
    """`<key>-mq-<hash of content>`: a new name whenever the definition changes."""
    text = json.dumps(content, sort_keys=True, default=str)
    name = f"{key}-mq-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
    if len(name) > MAX_DEFINITION_NAME:
        raise ValueError(f"model-quality job definition name {name} exceeds 63 characters")
    return name


def schedule_name(endpoint: MonitoredEndpointArgs) -> str:
    return f"{endpoint.endpoint_name}-model-quality"


def _endpoint_input(endpoint_name: str, quality: ModelQualityArgs) -> dict[str, Any]:
    given = {
        "EndpointName": endpoint_name,
        "LocalPath": "/opt/ml/processing/input/endpoint",
        "InferenceAttribute": quality.inference_attribute,
        "ProbabilityAttribute": quality.probability_attribute,
        "ProbabilityThresholdAttribute": quality.probability_threshold,
        "S3DataDistributionType": "FullyReplicated",
        "S3InputMode": "File",
    }
    return {k: v for k, v in given.items() if v is not None}


def definition_properties(resolved: dict[str, Any]) -> dict[str, Any]:
    """The job definition's CloudFormation properties from resolved inputs (plain values):
    endpoint, bucket, image, role, key, subnets, group, instance, runtime, quality."""
    quality: ModelQualityArgs = resolved["quality"]
    bucket, key = resolved["bucket"], resolved["kms_key"]
    return {
        "EndpointName": resolved["endpoint"],
        "ModelQualityAppSpecification": {
            "ImageUri": resolved["image"],
            "ProblemType": quality.problem_type,
            "Environment": {"publish_cloudwatch_metrics": "Enabled"},
        },
        "ModelQualityJobInput": {
            "EndpointInput": _endpoint_input(resolved["endpoint"], quality),
            "GroundTruthS3Input": {"S3Uri": f"s3://{bucket}/{quality.labels_prefix}"},
        },
        "ModelQualityJobOutputConfig": {
            "KmsKeyId": key,
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "LocalPath": "/opt/ml/processing/output",
                        "S3Uri": f"s3://{bucket}/monitoring/{resolved['endpoint']}/model-quality",
                        "S3UploadMode": "EndOfJob",
                    }
                }
            ],
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": resolved["instance_type"],
                "VolumeSizeInGB": 20,
                "VolumeKmsKeyId": key,
            }
        },
        "NetworkConfig": {
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
            "VpcConfig": {"SecurityGroupIds": [resolved["group"]], "Subnets": resolved["subnets"]},
        },
        "RoleArn": resolved["role"],
        "StoppingCondition": {"MaxRuntimeInSeconds": resolved["max_runtime"]},
    }


def definition_template(name: str, properties: dict[str, Any], tags: dict[str, str]) -> str:
    """The CloudFormation template holding the one job definition."""
    return json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"Model-quality job definition {name} (mlops-platform)",
            "Resources": {
                "ModelQualityJobDefinition": {
                    "Type": DEFINITION_TYPE,
                    "Properties": {
                        "JobDefinitionName": name,
                        **properties,
                        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
                    },
                }
            },
        },
        sort_keys=True,
    )


def model_quality_schedule(
    name: str,
    endpoint: MonitoredEndpointArgs,
    args: MonitoringArgs,
    deployment: Deployment,
    *,
    image: str,
    role: ServiceRole,
    group: aws.ec2.SecurityGroup,
    parent: pulumi.Resource,
) -> aws.sagemaker.MonitoringSchedule:
    """The endpoint's definition (a content-named CloudFormation stack) and its schedule."""
    quality = endpoint.model_quality
    assert quality is not None
    resolved = pulumi.Output.all(
        endpoint=endpoint.endpoint,
        bucket=args.artifact_bucket_name,
        kms_key=args.kms_key_arn,
        role=role.arn,
        subnets=args.subnet_ids,
        group=group.id,
    ).apply(
        lambda v: definition_properties(
            {
                **v,
                "image": image,
                "quality": quality,
                "instance_type": args.data_quality.instance_type,
                "max_runtime": args.data_quality.max_runtime_seconds,
            }
        )
    )
    key = endpoint.endpoint_name
    physical = resolved.apply(lambda props: definition_name(key, props))
    tags = deployment.tagged()
    logical = f"{name}-{endpoint.logical_key}"
    stack = aws.cloudformation.Stack(
        f"{logical}-model-quality",
        name=physical,
        template_body=pulumi.Output.all(physical, resolved).apply(
            lambda v: definition_template(v[0], v[1], tags)
        ),
        on_failure="DELETE",
        tags=tags,
        # SageMaker checks the role's permissions when the definition is created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )
    return aws.sagemaker.MonitoringSchedule(
        f"{logical}-model-quality-schedule",
        name=schedule_name(endpoint),
        monitoring_schedule_config={
            "monitoring_type": "ModelQuality",
            "monitoring_job_definition_name": physical,
            "schedule_config": {"schedule_expression": quality.schedule},
        },
        tags=tags,
        opts=pulumi.ResourceOptions(parent=stack, depends_on=[stack], delete_before_replace=True),
    )


def model_quality_alarm(
    name: str,
    endpoint: MonitoredEndpointArgs,
    deployment: Deployment,
    *,
    schedule: aws.sagemaker.MonitoringSchedule,
    topic: aws.sns.Topic,
) -> aws.cloudwatch.MetricAlarm:
    """The metric crossing its threshold in a run notifies the alert topic."""
    quality = endpoint.model_quality
    assert quality is not None
    worse = "greater" if quality.higher_is_worse else "less"
    return aws.cloudwatch.MetricAlarm(
        f"{name}-{endpoint.logical_key}-model-quality-alarm",
        name=f"{endpoint.endpoint_name}-model-quality-{quality.metric}",
        alarm_description=f"Model quality of {endpoint.endpoint_name}: {quality.metric} "
        f"{worse} than {quality.threshold} against the ground truth",
        namespace=MODEL_QUALITY_NAMESPACE,
        metric_name=quality.metric,
        dimensions={
            "EndpointName": endpoint.endpoint_name,
            "MonitoringScheduleName": schedule.name,
        },
        statistic="Average",
        period=ALARM_PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=quality.threshold,
        comparison_operator="GreaterThanThreshold"
        if quality.higher_is_worse
        else "LessThanThreshold",
        # No datapoint: no run with labels yet; failed runs alert through the failures rule.
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=schedule),
    )
