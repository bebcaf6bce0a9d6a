"""Step Functions state machines the platform runs: encrypted, logged, alarmed.

A shared building block: a Standard state machine encrypted with the platform key, logging
every execution to a KMS-encrypted log group, running as a role that only this machine of
this account may assume, with an alarm on failed executions to the alert topic; and the
role EventBridge starts it with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .alarms import CountMetric, first_occurrence_alarm
from .aws_context import AwsIdentity
from .context import Deployment
from .iam import ServiceRole, Statement, service_role
from .logs import encrypted_log_group
from .output_values import concat

# What Step Functions needs to deliver an execution's logs to CloudWatch Logs. These log
# delivery actions support no resource-level permissions (Step Functions developer guide,
# "IAM policies for logging to CloudWatch Logs").
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
)
# The encryption context Step Functions uses for a machine's data.
STATES_CONTEXT_KEY = "kms:EncryptionContext:aws:states:stateMachineArn"


def regional_arn(ident: AwsIdentity, service: str, resource: str) -> pulumi.Output[str]:
    """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
    return concat(
        "arn:", ident.partition, f":{service}:", ident.region, ":", ident.account_id,
        f":{resource}",
    )  # fmt: skip


def state_machine_arn(ident: AwsIdentity, machine_name: str) -> pulumi.Output[str]:
    """A machine's ARN, known before it exists (its role's policy names it)."""
    return regional_arn(ident, "states", f"stateMachine:{machine_name}")


def machine_statements(
    kms_key_arn: pulumi.Input[str], machine_arn: pulumi.Input[str]
) -> list[Statement]:
    """What every machine's role needs: its own encrypted data, its log delivery."""
    return [
        {
            # The machine's definition and execution data are encrypted with the key.
            "Sid": "UsePlatformKeyForItsExecutions",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {STATES_CONTEXT_KEY: machine_arn}},
        },
        {
            "Sid": "DeliverExecutionLogs",
            "Effect": "Allow",
            "Action": list(LOG_DELIVERY_ACTIONS),
            "Resource": "*",
        },
    ]


@dataclass(frozen=True)
class MachineSpec:
    """What differs between the platform's state machines.

    Args:
        machine_name: Physical name (also of its role, log group and alarm).
        definition: The Amazon States Language document, as JSON.
        statements: The role's policy, given the machine's ARN (besides its own data and
            log delivery, which every machine gets).
        role_description: Why the role exists.
        failure_description: What a failed execution means, for the alarm.
    """

    machine_name: str
    definition: pulumi.Input[str]
    statements: Callable[[pulumi.Output[str]], Sequence[Statement]]
    role_description: str
    failure_description: str


def encrypted_state_machine(
    resource_name: str,
    deployment: Deployment,
    ident: AwsIdentity,
    spec: MachineSpec,
    *,
    kms_key_arn: pulumi.Input[str],
    log_retention_days: int,
    alert_topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[aws.sfn.StateMachine, aws.cloudwatch.MetricAlarm]:
    """The machine (`<resource_name>-machine`), its role, log group and failure alarm."""
    machine_arn = state_machine_arn(ident, spec.machine_name)
    role = service_role(
        f"{resource_name}-role",
        deployment,
        role_name=spec.machine_name,
        services=["states.amazonaws.com"],
        # Only this account's machine of that name may assume it.
        source_account=ident.account_id,
        source_arn=machine_arn,
        parent=parent,
        statements=[*spec.statements(machine_arn), *machine_statements(kms_key_arn, machine_arn)],
        description=spec.role_description,
    )
    # Step Functions' vended-logs prefix keeps the account's Logs resource policy small.
    log_group = encrypted_log_group(
        f"{resource_name}-logs",
        deployment,
        log_group_name=f"/aws/vendedlogs/states/{spec.machine_name}",
        retention_days=log_retention_days,
        kms_key_arn=kms_key_arn,
        parent=parent,
    )
    machine = aws.sfn.StateMachine(
        f"{resource_name}-machine",
        name=spec.machine_name,
        type="STANDARD",
        role_arn=role.arn,
        definition=spec.definition,
        logging_configuration={
            "log_destination": concat(log_group.arn, ":*"),
            "include_execution_data": True,
            "level": "ALL",
        },
        encryption_configuration={
            "type": "CUSTOMER_MANAGED_KMS_KEY",
            "kms_key_id": kms_key_arn,
            "kms_data_key_reuse_period_seconds": 300,
        },
        tags=deployment.tagged(spec.machine_name),
        # Step Functions checks the role when the machine is created: wait for its grant.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )
    alarm = _failed_alarm(resource_name, deployment, machine, spec, alert_topic_arn, parent)
    return machine, alarm


def _failed_alarm(
    resource_name: str,
    deployment: Deployment,
    machine: aws.sfn.StateMachine,
    spec: MachineSpec,
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    return first_occurrence_alarm(
        f"{resource_name}-failed",
        deployment,
        alarm_name=f"{spec.machine_name}-failed",
        description=spec.failure_description,
        metric=CountMetric("AWS/States", "ExecutionsFailed", {"StateMachineArn": machine.arn}),
        topic_arn=topic_arn,
        parent=parent,
    )


def start_role(
    resource_name: str,
    deployment: Deployment,
    *,
    role_name: str,
    machine_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    description: str,
) -> ServiceRole:
    """The role an EventBridge rule starts the machine with: that, and nothing else."""
    return service_role(
        resource_name,
        deployment,
        role_name=role_name,
        services=["events.amazonaws.com"],
        parent=parent,
        statements=[
            {
                "Sid": "StartItsStateMachineOnly",
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": machine_arn,
            }
        ],
        description=description,
    )
