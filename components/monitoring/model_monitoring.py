"""Model Monitor data-quality checks of captured endpoint traffic, and their alerts.

Per endpoint that captures data and has a baseline (the served model version's
`statistics.json` and `constraints.json`): a data-quality job definition and an hourly
schedule, network-isolated in the private subnets, writing KMS-encrypted reports to the
artifact bucket and publishing CloudWatch metrics. Violations for any feature, and runs
that fail, reach the alert topic through EventBridge rules on the schedules' processing-job
state changes, so no feature name needs to be known ahead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from ..iam import ServiceRole, Statement, service_role, vpc_interface_statements
from ..output_values import concat, resolved
from .args import DataQualityArgs, MonitoredEndpointArgs, MonitoringArgs
from .model_quality import model_quality_alarm, model_quality_schedule

# Accounts publishing the Model Monitor analyzer image per region (sagemaker-python-sdk,
# image_uri_config/model-monitor.json).
MODEL_MONITOR_ACCOUNTS = {
    "us-east-1": "156813124566",
    "us-east-2": "777275614652",
    "us-west-1": "890145073186",
    "us-west-2": "159807026194",
    "ca-central-1": "536280801234",
    "eu-west-1": "468650794304",
    "eu-west-2": "749857270468",
    "eu-west-3": "680080141114",
    "eu-central-1": "048819808253",
    "eu-north-1": "895015795356",
    "ap-southeast-1": "245545462676",
    "ap-southeast-2": "563025443158",
    "ap-northeast-1": "574779866223",
    "ap-northeast-2": "709848358524",
    "ap-south-1": "126357580389",
    "sa-east-1": "539772159869",
}
MODEL_MONITOR_REPOSITORY = "sagemaker-model-monitor-analyzer"
# SageMaker's limit on job definition names.
MAX_DEFINITION_NAME = 63
# EventBridge detail type of every SageMaker processing job, monitoring runs included.
PROCESSING_JOB_EVENT = "SageMaker Processing Job State Change"
# How the Model Monitor analyzer ends a run that found violations: the processing job is
# `Completed` and its exit message starts with this.
VIOLATIONS_EXIT_MESSAGE = "CompletedWithViolations"
# The alert rules: name suffix -> what the rule matches besides the schedule ARNs.
ALERT_RULES: dict[str, dict[str, Any]] = {
    "violations": {
        "ProcessingJobStatus": ["Completed"],
        "ExitMessage": [{"prefix": VIOLATIONS_EXIT_MESSAGE}],
    },
    # A run that fails (a missing baseline, no captured data readable) checks nothing.
    "failures": {"ProcessingJobStatus": ["Failed"]},
}


def model_monitor_image(region: str) -> str:
    """The AWS-published Model Monitor analyzer image of a region."""
    account = MODEL_MONITOR_ACCOUNTS.get(region)
    if account is None:
        raise ValueError(f"no Model Monitor analyzer image known for region {region}")
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{MODEL_MONITOR_REPOSITORY}:latest"


def alert_event_pattern(kind: str, schedule_arns: Sequence[str]) -> dict[str, Any]:
    """EventBridge pattern of the `kind` alert rule (see ALERT_RULES) over the schedules."""
    return {
        "source": ["aws.sagemaker"],
        "detail-type": [PROCESSING_JOB_EVENT],
        "detail": {"MonitoringScheduleArn": sorted(schedule_arns), **ALERT_RULES[kind]},
    }


def alert_rule_name(deployment: Deployment, kind: str) -> str:
    """Physical name of an alert rule; fixed, so the topic policy can name it up front."""
    return deployment.name("model-monitor", kind)


def alert_rule_arns(deployment: Deployment, ident: Any) -> list[pulumi.Output[str]]:
    """ARNs of the alert rules on the default event bus."""
    return [
        concat(
            "arn:",
            ident.partition,
            ":events:",
            ident.region,
            ":",
            ident.account_id,
            ":rule/",
            alert_rule_name(deployment, kind),
        )
        for kind in ALERT_RULES
    ]


def data_quality_schedule_name(endpoint_name: str) -> str:
    """The endpoint's data-quality schedule: also a dimension of the metrics it publishes."""
    return f"{endpoint_name}-data-quality"


def definition_name(key: str, content: Any) -> str:
    """`<key>-dq-<hash of content>`: a new name whenever the (immutable) definition changes.

    SageMaker cannot update a job definition; Pulumi replaces it, creating the new one
    before deleting the old, which needs a name the old one does not hold.
    """
    text = json.dumps(content, sort_keys=True, default=str)
    name = f"{key}-dq-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
    if len(name) > MAX_DEFINITION_NAME:
        raise ValueError(f"data-quality job definition name {name} exceeds 63 characters")
    return name


def _arn(ident: Any, service: str, region: pulumi.Input[str], resource: str) -> pulumi.Output[str]:
    return concat("arn:", ident.partition, f":{service}:", region, ":", ident.account_id, resource)


def _data_statements(
    bucket_arn: pulumi.Output[str],
    kms_key_arn: pulumi.Input[str],
    baselines: Sequence[str],
    labels: Sequence[str] = (),
) -> list[Statement]:
    """Read captured data, the monitored versions' baselines and ground-truth labels;
    write reports."""
    return [
        {
            "Sid": "ReadCapturedDataAndBaselines",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                concat(bucket_arn, "/data-capture/*"),
                concat(bucket_arn, "/monitoring/*"),
                *[concat(bucket_arn, f"/{prefix}*") for prefix in baselines],
                *[concat(bucket_arn, f"/{prefix}*") for prefix in labels],
            ],
        },
        {
            "Sid": "ListCapturedData",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {
                "StringLike": {
                    "s3:prefix": ["data-capture/*", "monitoring/*", *(f"{p}*" for p in labels)]
                }
            },
        },
        {
            "Sid": "WriteReports",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": concat(bucket_arn, "/monitoring/*"),
        },
        {
            "Sid": "UsePlatformKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            "Resource": kms_key_arn,
        },
    ]


def _service_statements(
    deployment: Deployment, ident: Any, vpc_id: pulumi.Input[str]
) -> list[Statement]:
    """Describe the endpoints, write job logs, pull the analyzer image, use the VPC."""
    region = deployment.region
    return [
        {
            "Sid": "DescribeMonitoredEndpoints",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeEndpoint",
            "Resource": _arn(ident, "sagemaker", ident.region, f":endpoint/{deployment.name('*')}"),
        },
        {
            "Sid": "WriteJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": _arn(
                ident, "logs", ident.region, ":log-group:/aws/sagemaker/ProcessingJobs*"
            ),
        },
        {
            "Sid": "PullAnalyzerImage",
            "Effect": "Allow",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": concat(
                "arn:",
                ident.partition,
                f":ecr:{region}:{MODEL_MONITOR_ACCOUNTS.get(region, '*')}",
                f":repository/{MODEL_MONITOR_REPOSITORY}",
            ),
        },
        {
            # Registry-wide by design: the token call has no resource to scope to.
            "Sid": "EcrLogin",
            "Effect": "Allow",
            "Action": "ecr:GetAuthorizationToken",
            "Resource": "*",
        },
        *vpc_interface_statements(ident.account_id, ident.region, ident.partition, vpc_id),
    ]


def monitor_role(
    name: str,
    args: MonitoringArgs,
    deployment: Deployment,
    ident: Any,
    baselines: Sequence[str],
    parent: pulumi.Resource,
    labels: Sequence[str] = (),
) -> ServiceRole:
    """The role the data-quality and model-quality jobs run as."""
    assert args.artifact_bucket_arn is not None and args.vpc_id is not None
    bucket_arn = pulumi.Output.from_input(args.artifact_bucket_arn)
    return service_role(
        f"{name}-monitor-role",
        deployment,
        role_name=deployment.name("model-monitor"),
        services=["sagemaker.amazonaws.com"],
        parent=parent,
        statements=[
            *_data_statements(bucket_arn, args.kms_key_arn, baselines, labels),
            *_service_statements(deployment, ident, args.vpc_id),
        ],
        description="Runs Model Monitor data- and model-quality jobs over captured endpoint data.",
    )


def monitor_security_group(
    name: str, deployment: Deployment, vpc_id: pulumi.Input[str], parent: pulumi.Resource
) -> aws.ec2.SecurityGroup:
    """HTTPS out only (S3 and ECR through the VPC endpoints)."""
    return aws.ec2.SecurityGroup(
        f"{name}-monitor-sg",
        name=deployment.name("model-monitor"),
        description="Model Monitor processing jobs",
        vpc_id=vpc_id,
        egress=[
            {
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_blocks": ["0.0.0.0/0"],
                "description": "HTTPS to S3 and ECR",
            }
        ],
        tags=deployment.tagged(deployment.name("model-monitor")),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _definition_inputs(
    endpoint: MonitoredEndpointArgs,
    args: MonitoringArgs,
    region: str,
    role: ServiceRole,
    group: aws.ec2.SecurityGroup,
) -> dict[str, Any]:
    """Every input of the endpoint's job definition that SageMaker cannot update."""
    dq: DataQualityArgs = args.data_quality
    assert args.artifact_bucket_name is not None
    bucket = pulumi.Output.from_input(args.artifact_bucket_name)
    baseline = concat("s3://", bucket, f"/{endpoint.baseline_prefix}")
    reports = f"/monitoring/{endpoint.endpoint_name}/data-quality"
    return {
        "role_arn": role.arn,
        "data_quality_app_specification": {
            "image_uri": model_monitor_image(region),
            # The analyzer writes per-feature metrics for the job to publish to CloudWatch
            # (aws/sagemaker/Endpoints/data-metrics); works with network isolation.
            "environment": {"publish_cloudwatch_metrics": "Enabled"},
        },
        "data_quality_baseline_config": {
            "constraints_resource": {"s3_uri": concat(baseline, "constraints.json")},
            "statistics_resource": {"s3_uri": concat(baseline, "statistics.json")},
        },
        "data_quality_job_input": {
            "endpoint_input": {
                "endpoint_name": endpoint.endpoint,
                "local_path": "/opt/ml/processing/input/endpoint",
                "s3_data_distribution_type": "FullyReplicated",
                "s3_input_mode": "File",
            }
        },
        "data_quality_job_output_config": {
            "kms_key_id": args.kms_key_arn,
            "monitoring_outputs": {
                "s3_output": {
                    "s3_uri": concat("s3://", bucket, reports),
                    "local_path": "/opt/ml/processing/output",
                    "s3_upload_mode": "EndOfJob",
                }
            },
        },
        "job_resources": {
            "cluster_config": {
                "instance_count": 1,
                "instance_type": dq.instance_type,
                "volume_size_in_gb": 20,
                "volume_kms_key_id": args.kms_key_arn,
            }
        },
        "network_config": {
            "enable_network_isolation": True,
            "enable_inter_container_traffic_encryption": True,
            "vpc_config": {"subnets": args.subnet_ids, "security_group_ids": [group.id]},
        },
        "stopping_condition": {"max_runtime_in_seconds": dq.max_runtime_seconds},
    }


def data_quality_schedule(
    name: str,
    endpoint: MonitoredEndpointArgs,
    args: MonitoringArgs,
    deployment: Deployment,
    *,
    role: ServiceRole,
    group: aws.ec2.SecurityGroup,
    parent: pulumi.Resource,
) -> aws.sagemaker.MonitoringSchedule:
    """The endpoint's job definition (content-keyed name) and its schedule."""
    key = endpoint.endpoint_name
    logical = f"{name}-{endpoint.logical_key}"
    inputs = _definition_inputs(endpoint, args, deployment.region, role, group)
    definition = aws.sagemaker.DataQualityJobDefinition(
        f"{logical}-data-quality",
        name=resolved(inputs).apply(lambda content: definition_name(key, content)),
        tags=deployment.tagged(),
        # SageMaker checks the role's permissions when the definition is created.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
        **inputs,
    )
    return aws.sagemaker.MonitoringSchedule(
        f"{logical}-data-quality-schedule",
        name=data_quality_schedule_name(key),
        monitoring_schedule_config={
            "monitoring_type": "DataQuality",
            "monitoring_job_definition_name": definition.name,
            "schedule_config": {"schedule_expression": args.data_quality.schedule},
        },
        tags=deployment.tagged(),
        # Should a change ever replace the schedule, its fixed name must be free first.
        opts=pulumi.ResourceOptions(parent=definition, delete_before_replace=True),
    )


def _pattern_json(kind: str) -> Callable[[Sequence[str]], str]:
    """The event pattern of `kind` as JSON, once the schedules' ARNs are known."""
    return lambda arns: json.dumps(alert_event_pattern(kind, arns))


def alert_rules(
    name: str,
    deployment: Deployment,
    *,
    schedules: Sequence[aws.sagemaker.MonitoringSchedule],
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.EventRule]:
    """EventBridge rules sending the schedules' violations and failed runs to the topic."""
    arns = pulumi.Output.all(*[s.arn for s in schedules])
    rules = []
    for kind in ALERT_RULES:
        rule_name = alert_rule_name(deployment, kind)
        rule = aws.cloudwatch.EventRule(
            f"{name}-monitor-{kind}",
            name=rule_name,
            description=f"Model Monitor data-quality {kind} -> alert topic",
            event_pattern=arns.apply(_pattern_json(kind)),
            tags=deployment.tagged(rule_name),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-monitor-{kind}-alert",
            rule=rule.name,
            arn=topic.arn,
            input_transformer={
                "input_paths": {
                    "job": "$.detail.ProcessingJobName",
                    "status": "$.detail.ProcessingJobStatus",
                    "message": "$.detail.ExitMessage",
                    "schedule": "$.detail.MonitoringScheduleArn",
                },
                "input_template": json.dumps(
                    f"Model Monitor {kind}: schedule <schedule>, job <job> <status>: <message>"
                ),
            },
            opts=pulumi.ResourceOptions(parent=rule),
        )
        rules.append(rule)
    return rules


def model_monitoring(
    name: str,
    args: MonitoringArgs,
    deployment: Deployment,
    *,
    ident: Any,
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    """Data-quality schedules of the endpoints that capture data and have a baseline, and
    model-quality schedules (with their metric alarms) of those with ground truth."""
    endpoints = [e for e in args.endpoints if e.is_model_monitored]
    if not endpoints:
        return []
    if args.artifact_bucket_name is None or args.artifact_bucket_arn is None:
        raise ValueError("model monitoring needs the artifact bucket")
    if args.vpc_id is None or args.subnet_ids is None:
        raise ValueError("model monitoring needs a VPC and private subnets")
    baselines = [str(e.baseline_prefix) for e in endpoints if e.checks_data_quality]
    labels = [e.model_quality.labels_prefix for e in endpoints if e.model_quality is not None]
    role = monitor_role(name, args, deployment, ident, baselines, parent, labels)
    group = monitor_security_group(name, deployment, args.vpc_id, parent)
    schedules = [
        data_quality_schedule(
            name, endpoint, args, deployment, role=role, group=group, parent=parent
        )
        for endpoint in endpoints
        if endpoint.checks_data_quality
    ]
    alarms = []
    for endpoint in (e for e in endpoints if e.checks_model_quality):
        schedule = model_quality_schedule(
            name,
            endpoint,
            args,
            deployment,
            image=model_monitor_image(deployment.region),
            role=role,
            group=group,
            parent=parent,
        )
        schedules.append(schedule)
        alarms.append(
            model_quality_alarm(name, endpoint, deployment, schedule=schedule, topic=topic)
        )
    alert_rules(name, deployment, schedules=schedules, topic=topic, parent=parent)
    return alarms
