"""Dead-letter queues: events a target could not take, kept encrypted, with an alarm.

EventBridge rules and Scheduler schedules park what they could not deliver after their
retries here; the alarm tells the alert topic as soon as one message waits.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .alarms import CountMetric, first_occurrence_alarm
from .context import Deployment
from .iam import policy_document

# SQS's longest retention: time to read, fix and replay what failed.
RETENTION_SECONDS = 14 * 24 * 3600


def dead_letter_queue(
    resource_name: str,
    deployment: Deployment,
    *,
    queue_name: str,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.sqs.Queue:
    """A KMS-encrypted queue that keeps undeliverable events for the longest SQS allows."""
    return aws.sqs.Queue(
        resource_name,
        name=queue_name,
        kms_master_key_id=kms_key_arn,
        kms_data_key_reuse_period_seconds=300,
        message_retention_seconds=RETENTION_SECONDS,
        tags=deployment.tagged(queue_name),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def dead_letter_queue_policy(
    resource_name: str,
    queue: aws.sqs.Queue,
    *,
    sid: str,
    rule_arns: Sequence[pulumi.Input[str]],
) -> aws.sqs.QueuePolicy:
    """EventBridge may park undeliverable events of these rules (only) in the queue.

    One policy for all of a queue's rules: a queue has a single policy, a second would
    replace it.
    """
    return aws.sqs.QueuePolicy(
        resource_name,
        queue_url=queue.url,
        policy=policy_document(
            [
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": list(rule_arns)}},
                }
            ]
        ),
        opts=pulumi.ResourceOptions(parent=queue),
    )


def dead_letter_alarm(
    resource_name: str,
    deployment: Deployment,
    *,
    alarm_name: str,
    description: str,
    queue_name: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm to the alert topic as soon as one message waits in the queue."""
    return first_occurrence_alarm(
        resource_name,
        deployment,
        alarm_name=alarm_name,
        description=description,
        metric=CountMetric(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue_name}, "Maximum"
        ),
        topic_arn=topic_arn,
        parent=parent,
    )
