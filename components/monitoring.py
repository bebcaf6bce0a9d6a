"""Monitoring: alerts, alarms, the environment's dashboard and model data-quality checks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .aws_context import aws_identity
from .context import Deployment
from .iam import (
    POD_IDENTITY_SERVICE,
    Statement,
    policy_document,
    service_role,
    vpc_interface_statements,
)
from .logs import encrypted_log_group

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
# Log groups the CloudWatch observability add-on writes to, per cluster.
CONTAINER_INSIGHTS_LOG_GROUPS = ("application", "dataplane", "host", "performance")


def model_monitor_image(region: str) -> str:
    """The AWS-published Model Monitor analyzer image of a region."""
    account = MODEL_MONITOR_ACCOUNTS.get(region)
    if account is None:
        raise ValueError(f"no Model Monitor analyzer image known for region {region}")
    return f"{account}.dkr.ecr.{region}.amazonaws.com/{MODEL_MONITOR_REPOSITORY}:latest"


@dataclass(frozen=True)
class EndpointAlarmNames:
    """Physical names of one endpoint's alarms.

    Deterministic so the endpoint's auto-rollback can name them without depending on the
    alarms, which themselves watch the endpoint: no dependency cycle.
    """

    errors_5xx: str
    latency_p99: str
    invocation_errors: str

    def all(self) -> list[str]:
        return [self.errors_5xx, self.latency_p99, self.invocation_errors]


def endpoint_alarm_names(endpoint_name: str) -> EndpointAlarmNames:
    """The alarm names of the endpoint with physical name `endpoint_name`."""
    return EndpointAlarmNames(
        errors_5xx=f"{endpoint_name}-5xx-errors",
        latency_p99=f"{endpoint_name}-model-latency-p99",
        invocation_errors=f"{endpoint_name}-invocation-errors",
    )


@dataclass
class MonitoredEndpointArgs:
    """One endpoint to watch.

    Args:
        endpoint_name: Physical endpoint name (the plain string alarm names derive from).
        endpoint: The endpoint's name as an Output of the endpoint, so alarms and the data
            quality job are created after it.
        variant_name: Production variant the metrics are reported for.
        max_5xx_errors: 5xx responses per minute that raise the alarm.
        latency_p99_ms: p99 model latency ceiling in milliseconds.
        max_invocation_errors: Failed invocations per minute that raise the alarm.
        evaluation_minutes: Consecutive breaching minutes before alarming.
        data_capture_uri: Where its captured requests land; None: no data-quality job.
        key: Short stable key of the endpoint in logical names (default: endpoint_name).
    """

    endpoint_name: str
    endpoint: pulumi.Input[str]
    variant_name: str = "AllTraffic"
    max_5xx_errors: int = 5
    latency_p99_ms: int = 1000
    max_invocation_errors: int = 10
    evaluation_minutes: int = 3
    data_capture_uri: pulumi.Input[str] | None = None
    key: str | None = None

    @property
    def logical_key(self) -> str:
        return self.key or self.endpoint_name


@dataclass
class DataQualityArgs:
    """Model Monitor data-quality jobs.

    Args:
        schedule: Cron expression of the schedule.
        instance_type: Processing instance type.
        max_runtime_seconds: Stop a run after this long.
        baseline: Compare against `monitoring/<endpoint>/baseline/` in the artifact bucket.
    """

    schedule: str = "cron(0 * ? * * *)"
    instance_type: str = "ml.m5.xlarge"
    max_runtime_seconds: int = 3300
    baseline: bool = True


@dataclass
class MonitoringArgs:
    """Inputs of Monitoring.

    Args:
        kms_key_arn: Key encrypting the alert topic and the monitoring jobs' data.
        dashboard_name: Physical name of the environment's dashboard.
        endpoints: Endpoints to alarm on and chart.
        alert_emails: E-mail subscribers of the alert topic.
        alert_https_endpoints: HTTPS webhooks subscribed to the alert topic (pass secrets as
            `Output.secret`: they stay encrypted in state).
        artifact_bucket_name: Bucket with captured data, baselines and monitoring reports.
        artifact_bucket_arn: ARN of that bucket.
        vpc_id: VPC the monitoring jobs run in.
        subnet_ids: Private subnets of the monitoring jobs.
        data_quality: Settings of the data-quality jobs.
        cluster_name: EKS training cluster to alarm on and chart; None: no cluster alarms.
        cluster_observability_addon: Install `amazon-cloudwatch-observability` on the
            cluster (it publishes the Container Insights metrics the cluster alarms use).
        cluster_nodes: What the observability add-on waits for: the cluster's node groups
            (its agents run on them and the add-on is not ACTIVE before they do).
        max_pending_pods: Pending pods (for example unschedulable GPU pods) that alarm.
        pending_minutes: Minutes pods may stay pending before alarming.
        log_retention_days: Retention of the log groups created here (Container Insights).
    """

    kms_key_arn: pulumi.Input[str]
    dashboard_name: str
    endpoints: Sequence[MonitoredEndpointArgs] = ()
    alert_emails: Sequence[pulumi.Input[str]] = ()
    alert_https_endpoints: Sequence[pulumi.Input[str]] = ()
    artifact_bucket_name: pulumi.Input[str] | None = None
    artifact_bucket_arn: pulumi.Input[str] | None = None
    vpc_id: pulumi.Input[str] | None = None
    subnet_ids: pulumi.Input[Sequence[str]] | None = None
    data_quality: DataQualityArgs = field(default_factory=DataQualityArgs)
    cluster_name: pulumi.Input[str] | None = None
    cluster_observability_addon: bool = True
    cluster_nodes: Sequence[pulumi.Resource] = ()
    max_pending_pods: int = 5
    pending_minutes: int = 15
    log_retention_days: int = 14


class Monitoring(pulumi.ComponentResource):
    """What tells the on-call engineer that the platform is unwell, and where to look.

    Creates a KMS-encrypted SNS alert topic (TLS-only, CloudWatch may publish) with e-mail
    and HTTPS subscriptions; per endpoint three alarms on the topic (5xx errors, p99 model
    latency, failed invocations) whose names the endpoint's auto-rollback uses; for the
    training cluster the CloudWatch observability add-on and Container Insights alarms
    (failed nodes, pods stuck pending); one dashboard for the environment; and per endpoint
    with data capture a Model Monitor data-quality job definition and hourly schedule that
    run network-isolated in the private subnets and write KMS-encrypted reports to the
    artifact bucket.

    Outputs:
        topic_arn: Alert topic ARN.
        alarm_names: Names of all endpoint and cluster alarms.
        dashboard_name: Dashboard name.
    """

    topic_arn: pulumi.Output[str]
    alarm_names: pulumi.Output[list[str]]
    dashboard_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: MonitoringArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:observability:Monitoring", name, None, opts)
        self._name = name
        self._args = args
        self._deployment = deployment
        self._ident = aws_identity()

        topic = self._topic()
        self.topic_arn = topic.arn
        alarms: list[aws.cloudwatch.MetricAlarm] = []
        for endpoint in args.endpoints:
            alarms += self._endpoint_alarms(endpoint, topic)
        if args.cluster_name is not None:
            alarms += self._cluster_alarms(args.cluster_name, topic)
        self.alarm_names = pulumi.Output.all(*[a.name for a in alarms])
        dashboard = self._dashboard()
        self.dashboard_name = dashboard.dashboard_name
        captured = [e for e in args.endpoints if e.data_capture_uri is not None]
        if captured:
            self._data_quality(captured)

        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "alarm_names": self.alarm_names,
                "dashboard_name": self.dashboard_name,
            }
        )

    # -- alert topic ----------------------------------------------------------------------

    def _topic(self) -> aws.sns.Topic:
        args, deployment = self._args, self._deployment
        topic_name = deployment.name("alerts")
        topic = aws.sns.Topic(
            f"{self._name}-alerts",
            name=topic_name,
            kms_master_key_id=args.kms_key_arn,
            tags=deployment.tagged(topic_name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        account_root = pulumi.Output.concat(
            "arn:", self._ident.partition, ":iam::", self._ident.account_id, ":root"
        )
        aws.sns.TopicPolicy(
            f"{self._name}-alerts-policy",
            arn=topic.arn,
            policy=policy_document(
                [
                    {
                        "Sid": "AccountManagesTopic",
                        "Effect": "Allow",
                        "Principal": {"AWS": account_root},
                        "Action": [
                            "sns:GetTopicAttributes",
                            "sns:SetTopicAttributes",
                            "sns:Subscribe",
                            "sns:ListSubscriptionsByTopic",
                            "sns:Publish",
                        ],
                        "Resource": topic.arn,
                    },
                    {
                        "Sid": "CloudWatchAlarmsPublish",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": {
                            "StringEquals": {"aws:SourceAccount": self._ident.account_id}
                        },
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sns:Publish",
                        "Resource": topic.arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ]
            ),
            opts=pulumi.ResourceOptions(parent=topic),
        )
        subscriptions = [("email", e) for e in args.alert_emails] + [
            ("https", u) for u in args.alert_https_endpoints
        ]
        for index, (protocol, target) in enumerate(subscriptions):
            aws.sns.TopicSubscription(
                f"{self._name}-alerts-{protocol}-{index}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=target,
                opts=pulumi.ResourceOptions(parent=topic),
            )
        return topic

    # -- alarms ---------------------------------------------------------------------------

    def _alarm(
        self, resource_name: str, alarm_name: str, topic: aws.sns.Topic, **kwargs: Any
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            resource_name,
            name=alarm_name,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            # No traffic is not an incident; the rollback alarms must not block deployments.
            treat_missing_data="notBreaching",
            tags=self._deployment.tagged(alarm_name),
            opts=pulumi.ResourceOptions(parent=self),
            **kwargs,
        )

    def _endpoint_alarms(
        self, endpoint: MonitoredEndpointArgs, topic: aws.sns.Topic
    ) -> list[aws.cloudwatch.MetricAlarm]:
        names = endpoint_alarm_names(endpoint.endpoint_name)
        dimensions = {"EndpointName": endpoint.endpoint, "VariantName": endpoint.variant_name}
        common: dict[str, Any] = {
            "namespace": "AWS/SageMaker",
            "dimensions": dimensions,
            "period": 60,
            "evaluation_periods": endpoint.evaluation_minutes,
            "comparison_operator": "GreaterThanThreshold",
        }
        prefix = f"{self._name}-{endpoint.logical_key}"
        return [
            self._alarm(
                f"{prefix}-5xx",
                names.errors_5xx,
                topic,
                alarm_description=f"{endpoint.endpoint_name}: 5xx responses "
                "(rolls back deployments)",
                metric_name="Invocation5XXErrors",
                statistic="Sum",
                threshold=endpoint.max_5xx_errors,
                **common,
            ),
            self._alarm(
                f"{prefix}-latency",
                names.latency_p99,
                topic,
                alarm_description=f"{endpoint.endpoint_name}: p99 model latency above "
                f"{endpoint.latency_p99_ms} ms (rolls back deployments)",
                metric_name="ModelLatency",
                extended_statistic="p99",
                # ModelLatency is reported in microseconds.
                threshold=endpoint.latency_p99_ms * 1000,
                **common,
            ),
            self._alarm(
                f"{prefix}-invocation-errors",
                names.invocation_errors,
                topic,
                alarm_description=f"{endpoint.endpoint_name}: failed model invocations "
                "(rolls back deployments)",
                metric_name="InvocationModelErrors",
                statistic="Sum",
                threshold=endpoint.max_invocation_errors,
                **common,
            ),
        ]

    def _cluster_alarms(
        self, cluster_name: pulumi.Input[str], topic: aws.sns.Topic
    ) -> list[aws.cloudwatch.MetricAlarm]:
        args = self._args
        if args.cluster_observability_addon:
            self._observability_addon(cluster_name)
        base = self._deployment.name("cluster")
        common: dict[str, Any] = {
            "namespace": "ContainerInsights",
            "dimensions": {"ClusterName": cluster_name},
            "period": 60,
            "statistic": "Maximum",
            "comparison_operator": "GreaterThanThreshold",
        }
        return [
            self._alarm(
                f"{self._name}-cluster-failed-nodes",
                f"{base}-failed-nodes",
                topic,
                alarm_description="Training cluster: nodes failing their health checks",
                metric_name="cluster_failed_node_count",
                evaluation_periods=5,
                threshold=0,
                **common,
            ),
            self._alarm(
                f"{self._name}-cluster-pending-pods",
                f"{base}-pending-pods",
                topic,
                alarm_description="Training cluster: pods stuck pending (no capacity, "
                "for example GPU nodes that cannot be scheduled)",
                metric_name="pod_status_pending",
                evaluation_periods=args.pending_minutes,
                threshold=args.max_pending_pods,
                **common,
            ),
        ]

    def _observability_addon(self, cluster_name: pulumi.Input[str]) -> None:
        args, deployment = self._args, self._deployment
        # The CloudWatch agent gets its own pod identity rather than rights on the node role,
        # so training pods on the same nodes cannot publish metrics or logs as it.
        role = service_role(
            f"{self._name}-cloudwatch-agent",
            deployment,
            role_name=deployment.name("cloudwatch-agent"),
            services=[POD_IDENTITY_SERVICE],
            parent=self,
            managed_policies=["CloudWatchAgentServerPolicy"],
            description="CloudWatch agent of the training cluster (Container Insights).",
            # Deployed stacks have this attachment as `...-managed-0`.
            indexed_attachment_aliases=True,
        )
        # Created first so the agent writes into groups with our key and retention instead
        # of creating unencrypted ones that never expire.
        log_groups = [
            encrypted_log_group(
                f"{self._name}-container-insights-{kind}",
                deployment,
                log_group_name=pulumi.Output.concat(
                    "/aws/containerinsights/", cluster_name, "/", kind
                ),
                retention_days=args.log_retention_days,
                kms_key_arn=args.kms_key_arn,
                parent=self,
            )
            for kind in CONTAINER_INSIGHTS_LOG_GROUPS
        ]
        aws.eks.Addon(
            f"{self._name}-cloudwatch-observability",
            cluster_name=cluster_name,
            addon_name="amazon-cloudwatch-observability",
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            pod_identity_associations=[
                {"role_arn": role.arn, "service_account": "cloudwatch-agent"}
            ],
            tags=deployment.tagged(),
            # Its agents only become ready on running nodes, and use the role at once.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[*role.ready, *log_groups, *args.cluster_nodes],
            ),
        )

    # -- dashboard ------------------------------------------------------------------------

    def _dashboard(self) -> aws.cloudwatch.Dashboard:
        args = self._args
        region = self._deployment.region
        endpoint_names = [e.endpoint for e in args.endpoints]
        variants = [e.variant_name for e in args.endpoints]

        def body(values: list[Any]) -> str:
            names = values[: len(endpoint_names)]
            cluster = values[len(endpoint_names)] if args.cluster_name is not None else None
            return json.dumps(
                dashboard_body(region, list(zip(names, variants, strict=True)), cluster)
            )

        inputs: list[Any] = [*endpoint_names]
        if args.cluster_name is not None:
            inputs.append(args.cluster_name)
        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            dashboard_name=args.dashboard_name,
            dashboard_body=pulumi.Output.all(*inputs).apply(body),
            opts=pulumi.ResourceOptions(parent=self),
        )

    # -- data quality ---------------------------------------------------------------------

    def _data_quality(self, endpoints: Sequence[MonitoredEndpointArgs]) -> None:
        args, deployment = self._args, self._deployment
        if args.artifact_bucket_name is None or args.artifact_bucket_arn is None:
            raise ValueError("data-quality monitoring needs the artifact bucket")
        if args.vpc_id is None or args.subnet_ids is None:
            raise ValueError("data-quality monitoring needs a VPC and private subnets")
        bucket_arn = pulumi.Output.from_input(args.artifact_bucket_arn)
        statements: list[Statement] = [
            {
                "Sid": "ReadCapturedDataAndBaselines",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [
                    pulumi.Output.concat(bucket_arn, "/data-capture/*"),
                    pulumi.Output.concat(bucket_arn, "/monitoring/*"),
                ],
            },
            {
                "Sid": "ListCapturedData",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": ["data-capture/*", "monitoring/*"]}},
            },
            {
                "Sid": "WriteReports",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": pulumi.Output.concat(bucket_arn, "/monitoring/*"),
            },
            {
                "Sid": "UsePlatformKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": args.kms_key_arn,
            },
            {
                "Sid": "DescribeMonitoredEndpoints",
                "Effect": "Allow",
                "Action": "sagemaker:DescribeEndpoint",
                "Resource": pulumi.Output.concat(
                    "arn:",
                    self._ident.partition,
                    ":sagemaker:",
                    self._ident.region,
                    ":",
                    self._ident.account_id,
                    ":endpoint/",
                    deployment.name("*"),
                ),
            },
            {
                "Sid": "WriteJobLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": pulumi.Output.concat(
                    "arn:",
                    self._ident.partition,
                    ":logs:",
                    self._ident.region,
                    ":",
                    self._ident.account_id,
                    ":log-group:/aws/sagemaker/ProcessingJobs*",
                ),
            },
            {
                "Sid": "PullAnalyzerImage",
                "Effect": "Allow",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": pulumi.Output.concat(
                    "arn:",
                    self._ident.partition,
                    ":ecr:",
                    deployment.region,
                    ":",
                    MODEL_MONITOR_ACCOUNTS.get(deployment.region, "*"),
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
            *vpc_interface_statements(
                self._ident.account_id, self._ident.region, self._ident.partition, args.vpc_id
            ),
        ]
        role = service_role(
            f"{self._name}-monitor-role",
            deployment,
            role_name=deployment.name("model-monitor"),
            services=["sagemaker.amazonaws.com"],
            parent=self,
            statements=statements,
            description="Runs Model Monitor data-quality jobs over captured endpoint data.",
        )
        group = aws.ec2.SecurityGroup(
            f"{self._name}-monitor-sg",
            name=deployment.name("model-monitor"),
            description="Model Monitor processing jobs",
            vpc_id=args.vpc_id,
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
            opts=pulumi.ResourceOptions(parent=self),
        )
        dq = args.data_quality
        bucket = pulumi.Output.from_input(args.artifact_bucket_name)
        for endpoint in endpoints:
            key = endpoint.endpoint_name
            logical = f"{self._name}-{endpoint.logical_key}"
            reports = pulumi.Output.concat("s3://", bucket, f"/monitoring/{key}/data-quality")
            baseline = None
            if dq.baseline:
                prefix = pulumi.Output.concat("s3://", bucket, f"/monitoring/{key}/baseline/")
                baseline = {
                    "constraints_resource": {
                        "s3_uri": pulumi.Output.concat(prefix, "constraints.json")
                    },
                    "statistics_resource": {
                        "s3_uri": pulumi.Output.concat(prefix, "statistics.json")
                    },
                }
            definition = aws.sagemaker.DataQualityJobDefinition(
                f"{logical}-data-quality",
                name=f"{key}-data-quality",
                role_arn=role.arn,
                data_quality_app_specification={
                    "image_uri": model_monitor_image(deployment.region),
                    # Network-isolated: findings go to the S3 report, not to CloudWatch.
                    "environment": {"publish_cloudwatch_metrics": "Disabled"},
                },
                data_quality_baseline_config=baseline,
                data_quality_job_input={
                    "endpoint_input": {
                        "endpoint_name": endpoint.endpoint,
                        "local_path": "/opt/ml/processing/input/endpoint",
                        "s3_data_distribution_type": "FullyReplicated",
                        "s3_input_mode": "File",
                    }
                },
                data_quality_job_output_config={
                    "kms_key_id": args.kms_key_arn,
                    "monitoring_outputs": {
                        "s3_output": {
                            "s3_uri": reports,
                            "local_path": "/opt/ml/processing/output",
                            "s3_upload_mode": "EndOfJob",
                        }
                    },
                },
                job_resources={
                    "cluster_config": {
                        "instance_count": 1,
                        "instance_type": dq.instance_type,
                        "volume_size_in_gb": 20,
                        "volume_kms_key_id": args.kms_key_arn,
                    }
                },
                network_config={
                    "enable_network_isolation": True,
                    "enable_inter_container_traffic_encryption": True,
                    "vpc_config": {"subnets": args.subnet_ids, "security_group_ids": [group.id]},
                },
                stopping_condition={"max_runtime_in_seconds": dq.max_runtime_seconds},
                tags=deployment.tagged(),
                # SageMaker checks the role's permissions when the definition is created.
                opts=pulumi.ResourceOptions(parent=self, depends_on=role.ready),
            )
            aws.sagemaker.MonitoringSchedule(
                f"{logical}-data-quality-schedule",
                name=f"{key}-data-quality",
                monitoring_schedule_config={
                    "monitoring_type": "DataQuality",
                    "monitoring_job_definition_name": definition.name,
                    "schedule_config": {"schedule_expression": dq.schedule},
                },
                tags=deployment.tagged(),
                opts=pulumi.ResourceOptions(parent=definition),
            )


def dashboard_body(
    region: str,
    endpoints: Sequence[tuple[str, str]],
    cluster_name: str | None = None,
) -> dict[str, Any]:
    """CloudWatch dashboard body: a row of charts per endpoint, then the cluster's."""
    widgets: list[dict[str, Any]] = []
    y = 0

    def chart(title: str, metrics: list[list[Any]], x: int, stat: str = "Sum") -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 8,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "stat": stat,
                "period": 60,
                "metrics": metrics,
            },
        }

    for name, variant in endpoints:
        dims = ["EndpointName", name, "VariantName", variant]
        widgets += [
            chart(
                f"{name}: invocations and errors",
                [
                    ["AWS/SageMaker", "Invocations", *dims],
                    ["AWS/SageMaker", "Invocation5XXErrors", *dims],
                    ["AWS/SageMaker", "Invocation4XXErrors", *dims],
                    ["AWS/SageMaker", "InvocationModelErrors", *dims],
                ],
                0,
            ),
            chart(
                f"{name}: model latency (us)",
                [
                    ["AWS/SageMaker", "ModelLatency", *dims, {"stat": "p50"}],
                    ["AWS/SageMaker", "ModelLatency", *dims, {"stat": "p99"}],
                ],
                8,
                stat="p99",
            ),
            chart(
                f"{name}: invocations per instance",
                [["AWS/SageMaker", "InvocationsPerInstance", *dims]],
                16,
            ),
        ]
        y += 6
    if cluster_name is not None:
        dims = ["ClusterName", cluster_name]
        widgets += [
            chart(
                f"{cluster_name}: nodes",
                [
                    ["ContainerInsights", "cluster_node_count", *dims],
                    ["ContainerInsights", "cluster_failed_node_count", *dims],
                ],
                0,
                stat="Maximum",
            ),
            chart(
                f"{cluster_name}: pods",
                [
                    ["ContainerInsights", "pod_status_running", *dims],
                    ["ContainerInsights", "pod_status_pending", *dims],
                ],
                8,
                stat="Maximum",
            ),
            chart(
                f"{cluster_name}: node CPU and memory (%)",
                [
                    ["ContainerInsights", "node_cpu_utilization", *dims],
                    ["ContainerInsights", "node_memory_utilization", *dims],
                ],
                16,
                stat="Average",
            ),
        ]
    if not widgets:
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 2,
                "properties": {"markdown": "No endpoints or cluster in this environment yet."},
            }
        )
    return {"widgets": widgets}
