"""What the baseline copy's roles may do: describe the stack's versions, read where the
pipelines write baselines, write only under `baselines/`, start only its state machine."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from ..aws_context import AwsIdentity
from ..iam import Statement

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
# The convention prefix of the data-quality schedules' baselines.
BASELINES_PREFIX = "baselines/"


def regional_arn(ident: AwsIdentity, service: str, resource: str) -> pulumi.Output[str]:
    """`arn:<partition>:<service>:<region>:<account>:<resource>`."""
    return pulumi.Output.concat(
        "arn:", ident.partition, f":{service}:", ident.region, ":", ident.account_id,
        f":{resource}",
    )  # fmt: skip


def copy_statements(
    ident: AwsIdentity,
    *,
    groups: Mapping[str, pulumi.Input[str]],
    source_prefixes: Mapping[str, str],
    bucket_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    state_machine_arn: pulumi.Input[str],
) -> list[Statement]:
    """The state machine role's policy."""
    families = sorted(groups)
    return [
        {
            "Sid": "DescribeStackVersions",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeModelPackage",
            "Resource": [
                pulumi.Output.concat(
                    regional_arn(ident, "sagemaker", "model-package/"), groups[f], "/*"
                )
                for f in families
            ],
        },
        {
            "Sid": "ReadRegisteredBaselines",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                pulumi.Output.concat(bucket_arn, f"/{source_prefixes[f]}*") for f in families
            ],
        },
        {
            "Sid": "WriteMonitoringBaselines",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [
                pulumi.Output.concat(bucket_arn, f"/{BASELINES_PREFIX}{f}/*") for f in families
            ],
        },
        *key_statements(ident, kms_key_arn, state_machine_arn),
        {
            "Sid": "DeliverExecutionLogs",
            "Effect": "Allow",
            "Action": list(LOG_DELIVERY_ACTIONS),
            "Resource": "*",
        },
    ]


def key_statements(
    ident: AwsIdentity, kms_key_arn: pulumi.Input[str], state_machine_arn: pulumi.Input[str]
) -> list[Statement]:
    """The platform key: through S3 for the objects, and for the machine's own data."""
    return [
        {
            # Read the pipeline's SSE-KMS objects, write the copies: through S3 only.
            "Sid": "UsePlatformKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": pulumi.Output.concat("s3.", ident.region, ".amazonaws.com")
                }
            },
        },
        {
            # The state machine's definition and execution data are encrypted with the key.
            "Sid": "UsePlatformKeyForItsExecutions",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {STATES_CONTEXT_KEY: state_machine_arn}},
        },
    ]


def start_statements(state_machine_arn: pulumi.Input[str]) -> list[Statement]:
    """The approval rule's target role: start this state machine, nothing else."""
    return [
        {
            "Sid": "StartBaselineCopyOnly",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": state_machine_arn,
        }
    ]
