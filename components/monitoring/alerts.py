"""The alert topic: KMS-encrypted, TLS-only, published to by CloudWatch and EventBridge."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from ..iam import Statement, policy_document
from ..output_values import concat


def _account_services_publish(topic_arn: pulumi.Input[str], ident: Any) -> list[Statement]:
    """CloudWatch alarms and AWS Budgets of this account (not another's) may publish."""
    return [
        {
            "Sid": "CloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
        {
            # Alert manager of the stack's Managed Prometheus workspace (GPU alerts).
            "Sid": "ManagedPrometheusAlertsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "aps.amazonaws.com"},
            "Action": ["sns:Publish", "sns:GetTopicAttributes"],
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
        {
            # The stack's AWS Budget alerts (forecast and actual spend).
            "Sid": "BudgetsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
    ]


def topic_statements(
    topic_arn: pulumi.Input[str], ident: Any, event_rule_arns: Sequence[pulumi.Input[str]] = ()
) -> list[Statement]:
    """Who may use the alert topic: the account, CloudWatch alarms, the given rules."""
    account_root = concat("arn:", ident.partition, ":iam::", ident.account_id, ":root")
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
        *_account_services_publish(topic_arn, ident),
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
    # Keyed by content, not by position in one list: adding or removing a subscriber must
    # not re-create the others. E-mail addresses are keyed by a digest; https endpoints
    # (secrets, unknown until deploy) by their position among https endpoints only. The
    # aliases adopt what stacks deployed under the former positional names.
    for index, email in enumerate(emails):
        # A secret address is unknown here: it keeps its position among e-mails.
        key = hashlib.sha256(email.encode()).hexdigest()[:10] if isinstance(email, str) else index
        former = f"{name}-alerts-email-{index}"
        _subscription(f"{name}-alerts-email-{key}", topic, "email", email, former)
    for index, url in enumerate(https_endpoints):
        _subscription(
            f"{name}-alerts-https-{index}",
            topic,
            "https",
            url,
            f"{name}-alerts-https-{len(emails) + index}",
        )
    return topic


def _subscription(
    logical: str, topic: aws.sns.Topic, protocol: str, endpoint: Any, former: str
) -> None:
    aliases = [] if former == logical else [pulumi.Alias(name=former)]
    aws.sns.TopicSubscription(
        logical,
        topic=topic.arn,
        protocol=protocol,
        endpoint=endpoint,
        opts=pulumi.ResourceOptions(parent=topic, aliases=aliases),
    )
