"""The Monitoring component: wires the alert topic, alarms, dashboard and model checks."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..aws_context import aws_identity
from ..context import Deployment
from .alerts import alert_topic
from .args import MonitoringArgs
from .budget import stack_budget
from .cluster_alarms import cluster_alarms
from .dashboard import dashboard
from .endpoint_alarms import endpoint_alarms
from .model_monitoring import alert_rule_arns, model_monitoring


class Monitoring(pulumi.ComponentResource):
    """What tells the on-call engineer that the platform is unwell, and where to look.

    Creates a KMS-encrypted SNS alert topic (TLS-only; CloudWatch alarms and the model
    monitoring alert rules may publish) with e-mail and HTTPS subscriptions; per endpoint
    three alarms on the topic (5xx errors, p99 model latency, failed invocations) whose
    names the endpoint's auto-rollback uses; Container Insights alarms on the training
    cluster (failed nodes, pods stuck pending); one dashboard for the environment; and per
    endpoint with data capture and a baseline a Model Monitor data-quality job definition
    and hourly schedule that run network-isolated in the private subnets, write
    KMS-encrypted reports to the artifact bucket and publish CloudWatch metrics; per
    endpoint with ground truth a model-quality job definition (a CloudFormation stack:
    the provider has no such resource), a daily schedule and an alarm on the chosen
    metric; EventBridge rules sending violations and failed runs of all schedules to the
    alert topic; and, when
    configured, the stack's monthly AWS Budget with forecast and actual alerts on the topic.

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
        ident = aws_identity()
        checked = any(e.is_model_monitored for e in args.endpoints)
        topic = alert_topic(
            name,
            deployment,
            kms_key_arn=args.kms_key_arn,
            ident=ident,
            parent=self,
            emails=args.alert_emails,
            https_endpoints=args.alert_https_endpoints,
            event_rule_arns=alert_rule_arns(deployment, ident) if checked else (),
        )
        alarms: list[aws.cloudwatch.MetricAlarm] = []
        for endpoint in args.endpoints:
            alarms += endpoint_alarms(name, endpoint, deployment, topic=topic, parent=self)
        if args.cluster_name is not None:
            alarms += cluster_alarms(
                name,
                deployment,
                cluster_name=args.cluster_name,
                topic=topic,
                parent=self,
                max_pending_pods=args.max_pending_pods,
                pending_minutes=args.pending_minutes,
            )
        alarms += model_monitoring(name, args, deployment, ident=ident, topic=topic, parent=self)
        if args.budget is not None:
            stack_budget(name, args.budget, deployment, topic_arn=topic.arn, parent=self)

        self.topic_arn = topic.arn
        self.alarm_names = pulumi.Output.all(*[a.name for a in alarms])
        self.dashboard_name = dashboard(name, args, deployment.region, self).dashboard_name
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "alarm_names": self.alarm_names,
                "dashboard_name": self.dashboard_name,
            }
        )
