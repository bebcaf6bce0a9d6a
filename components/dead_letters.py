"""Dead-letter queues: events a target could not take, kept encrypted, with an alarm.

EventBridge rules and Scheduler schedules park what they could not deliver after their
retries here; the alarm tells the alert topic as soon as one message waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .alarms import CountMetric, first_occurrence_alarm
from .context import Deployment
from .iam import policy_document

# SQS's longest retention: time to read, fix and replay what failed.
RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class DeadLetters:
    """A dead-letter queue and the alarm that fires as soon as one message waits in it."""

    queue: aws.sqs.Queue
    alarm: aws.cloudwatch.MetricAlarm


def dead_letters(
    resource_name: str,
    deployment: Deployment,
    *,
    queue_name: str,
    alarm_name: str,
    description: str,
    kms_key_arn: pulumi.Input[str],
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    alarm_under_queue: bool = False,
) -> DeadLetters:
    """A KMS-encrypted queue that keeps undeliverable events for the longest SQS allows,
    and its alarm to the alert topic (resources `<resource_name>` and `-alarm`)."""
    queue = aws.sqs.Queue(
        resource_name,
        name=queue_name,
        kms_master_key_id=kms_key_arn,
        kms_data_key_reuse_period_seconds=300,
        message_retention_seconds=RETENTION_SECONDS,
        tags=deployment.tagged(queue_name),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    alarm = first_occurrence_alarm(
        f"{resource_name}-alarm",
        deployment,
        alarm_name=alarm_name,
        description=description,
        metric=CountMetric(
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue.name}, "Maximum"
        ),
        topic_arn=topic_arn,
        parent=queue if alarm_under_queue else parent,
    )
    return DeadLetters(queue, alarm)


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
