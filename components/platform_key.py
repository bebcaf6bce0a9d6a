"""PlatformKey: the customer-managed KMS key that encrypts every data store of a stack."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .aws_context import AwsIdentity, aws_identity
from .context import Deployment
from .iam import Statement, policy_document
from .output_values import concat

# Services that encrypt with the key on behalf of principals in the account. Restricting
# delegated use to these through kms:ViaService keeps the key useless elsewhere.
# secretsmanager: EventBridge keeps a connection's credentials in a secret under the key.
# states: Step Functions encrypts the baseline copy's definition and executions.
VIA_SERVICES = (
    "s3", "sagemaker", "eks", "ecr", "sns", "glue", "logs", "ec2", "sqs", "secretsmanager",
    "states",
)  # fmt: skip


class PlatformKey(pulumi.ComponentResource):
    """A rotating KMS key and alias for one stack.

    The key policy keeps account administration with IAM (the AWS default), lets CloudWatch
    Logs encrypt the stack's log groups, lets CloudWatch alarms publish to the encrypted SNS
    topic, and lets SageMaker, EKS and the storage services use it on the account's behalf.

    Outputs:
        key_id: Key id.
        arn: Key ARN; pass it as `kms_key_arn` to the other components.
        alias_name: `alias/mlops-<stack>-data`.
    """

    key_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    alias_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:security:PlatformKey", name, None, opts)
        key = aws.kms.Key(
            name,
            description=f"mlops-platform {deployment.stack}: data at rest",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=deployment.kms_deletion_window_days,
            key_usage="ENCRYPT_DECRYPT",
            customer_master_key_spec="SYMMETRIC_DEFAULT",
            policy=key_policy(aws_identity()),
            tags=deployment.tagged(deployment.name("key")),
            opts=deployment.stateful(self),
        )
        alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{deployment.name('data')}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.key_id = key.key_id
        self.arn = key.arn
        self.alias_name = alias.name
        self.register_outputs(
            {"key_id": self.key_id, "arn": self.arn, "alias_name": self.alias_name}
        )


def key_policy(ident: AwsIdentity) -> pulumi.Output[str]:
    """The key policy: IAM administers the key; logs, alarms and the platform's services use it.

    Services act for the account through `kms:ViaService`, so no principal outside the
    account and no service outside the listed ones can use the key.
    """
    return policy_document(
        [
            *_administration_statements(ident),
            *_log_statements(ident),
            *_log_delivery_statements(ident),
            *_alarm_statements(ident),
            *_service_statements(ident),
        ]
    )


def _account_root(ident: AwsIdentity) -> pulumi.Output[str]:
    """The account's root principal: the key policy delegates to the account's IAM."""
    return concat("arn:", ident.partition, ":iam::", ident.account_id, ":root")


def _administration_statements(ident: AwsIdentity) -> list[Statement]:
    """IAM administers the key, as for an AWS default key policy."""
    account_root = _account_root(ident)
    return [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": account_root},
            "Action": "kms:*",
            "Resource": "*",
        },
    ]


def _log_statements(ident: AwsIdentity) -> list[Statement]:
    """CloudWatch Logs encrypts the account's log groups in this region."""
    return [
        {
            "Sid": "CloudWatchLogsEncryptsStackLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": concat("logs.", ident.region, ".amazonaws.com")},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": concat(
                        "arn:",
                        ident.partition,
                        ":logs:",
                        ident.region,
                        ":",
                        ident.account_id,
                        ":log-group:*",
                    )
                }
            },
        },
    ]


def _log_delivery_statements(ident: AwsIdentity) -> list[Statement]:
    """CloudWatch Logs delivery reads the execution logs of the account's state machines
    encrypted with the key (Step Functions' logging of a customer-managed-key machine)."""
    return [
        {
            "Sid": "LogDeliveryDecryptsStateMachineLogs",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
    ]


def _alarm_statements(ident: AwsIdentity) -> list[Statement]:
    """CloudWatch alarms of this account publish to the encrypted SNS topic."""
    return [
        {
            # CloudWatch alarms, EventBridge rules (model-monitoring alerts), AWS Budgets and
            # the Managed Prometheus alert manager (GPU alerts).
            "Sid": "AlarmsPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {
                "Service": [
                    "cloudwatch.amazonaws.com",
                    "events.amazonaws.com",
                    "budgets.amazonaws.com",
                    "aps.amazonaws.com",
                ]
            },
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": ident.account_id}},
        },
    ]


def _service_statements(ident: AwsIdentity) -> list[Statement]:
    """The platform's services use the key for principals of this account only."""
    account_root = _account_root(ident)
    return [
        {
            "Sid": "PlatformServicesUseKeyForAccount",
            "Effect": "Allow",
            "Principal": {"AWS": account_root},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": ident.account_id},
                "ForAnyValue:StringEquals": {
                    "kms:ViaService": [
                        concat(svc, ".", ident.region, ".amazonaws.com") for svc in VIA_SERVICES
                    ]
                },
            },
        },
    ]
