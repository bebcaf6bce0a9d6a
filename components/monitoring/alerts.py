"""The alert topic: KMS-encrypted, TLS-only, published to by CloudWatch and EventBridge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from ..iam import Statement, policy_document


def topic_statements(
    topic_arn: pulumi.Input[str], ident: Any, event_rule_arns: Sequence[pulumi.Input[str]] = ()
) -> list[Statement]:
    """Who may use the alert topic: the account, CloudWatch alarms, the given rules."""
    account_root = pulumi.Output.concat(
        "arn:", ident.partition, ":iam::", ident.account_id, ":root"
    )
    statements: list[Statement] = [
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
            "Resource": topic_arn,
        },
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
    ]
    if event_rule_arns:
        statements.append(
            {
                # Only the named rules (model-monitoring violations), not any rule.
                "Sid": "EventRulesPublish",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": list(event_rule_arns)}},
            }
        )
    statements.append(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return statements


def alert_topic(
    name: str,
    deployment: Deployment,
    *,
    kms_key_arn: pulumi.Input[str],
    ident: Any,
    parent: pulumi.Resource,
    emails: Sequence[pulumi.Input[str]] = (),
    https_endpoints: Sequence[pulumi.Input[str]] = (),
    event_rule_arns: Sequence[pulumi.Input[str]] = (),
) -> aws.sns.Topic:
    """The topic `<name>-alerts` with its policy and e-mail / HTTPS subscriptions."""
    topic_name = deployment.name("alerts")
    topic = aws.sns.Topic(
        f"{name}-alerts",
        name=topic_name,
        kms_master_key_id=kms_key_arn,
        tags=deployment.tagged(topic_name),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.sns.TopicPolicy(
        f"{name}-alerts-policy",
        arn=topic.arn,
        policy=policy_document(topic_statements(topic.arn, ident, event_rule_arns)),
        opts=pulumi.ResourceOptions(parent=topic),
    )
    subscriptions = [("email", e) for e in emails] + [("https", u) for u in https_endpoints]
    for index, (protocol, target) in enumerate(subscriptions):
        aws.sns.TopicSubscription(
            f"{name}-alerts-{protocol}-{index}",
            topic=topic.arn,
            protocol=protocol,
            endpoint=target,
            opts=pulumi.ResourceOptions(parent=topic),
        )
    return topic
