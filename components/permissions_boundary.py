"""PermissionsBoundary: the ceiling of every IAM role the platform creates in one stack.

The CI deploy role may create and change the stack's roles only when they carry this
boundary (`iam:PermissionsBoundary` condition), so no role it writes can do more than the
boundary allows, whatever policy it is given: no IAM at all (a role cannot create or widen
roles), data services (S3, KMS, SageMaker, Glue, ECR repositories) only on the stack's own
resources, and the regional operations the cluster's node, add-on and controller roles need.
The deploy role cannot change or delete the boundary; an administrator applies changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .aws_context import aws_identity
from .context import STACK_TAG, Deployment
from .iam import Statement, policy_document
from .output_values import concat
from .training_cluster.karpenter_iam import CLUSTER_TAG
from .training_cluster.scheduling import cluster_name

# Operations the platform's roles perform across the region: network interfaces and
# volumes (VPC CNI, EBS CSI, SageMaker in the VPC), node registration and pod identity,
# node-group scaling, load balancers, metrics and logs. Reads of any ECR registry: nodes
# pull EKS add-on images and SageMaker pulls its monitor image from AWS's own registries.
REGIONAL_SERVICES = (
    "autoscaling",
    "cloudwatch",
    "ec2",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "logs",
)
IMAGE_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
)
CONNECTION_SERVICES = ("codeconnections", "codestar-connections")
KEY_USE_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ListGrants",
    "kms:ReEncrypt*",
    "kms:RevokeGrant",
)


@dataclass(frozen=True)
class _Scope:
    partition: pulumi.Output[str]
    region: pulumi.Output[str]
    account_id: pulumi.Output[str]

    def regional(self, service: str, resource: str) -> pulumi.Output[str]:
        return concat(
            "arn:", self.partition, ":", service, ":", self.region, ":", self.account_id, ":",
            resource,
        )  # fmt: skip

    def iam(self, resource: str) -> pulumi.Output[str]:
        return concat("arn:", self.partition, ":iam::", self.account_id, ":", resource)


def boundary_statements(deployment: Deployment, scope: Any) -> list[Statement]:
    """What any role of the stack may ever be granted (`scope`: partition, region, account)."""
    return [
        *_data_statements(deployment, scope),
        *_lifecycle_statements(deployment, scope),
        *_karpenter_statements(deployment, scope),
        *_service_statements(deployment, scope),
    ]


def _data_statements(deployment: Deployment, scope: Any) -> list[Statement]:
    """Data services, on the stack's own resources only."""
    prefix = deployment.name("")
    catalog_prefix = prefix.replace("-", "_")
    bucket = concat("arn:", scope.partition, ":s3:::", prefix, "*")
    return [
        {
            "Sid": "StackBuckets",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": [bucket, concat(bucket, "/*")],
        },
        {
            "Sid": "StackKeys",
            "Effect": "Allow",
            "Action": list(KEY_USE_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{STACK_TAG}": deployment.stack}},
        },
        {
            "Sid": "StackSageMaker",
            "Effect": "Allow",
            "Action": "sagemaker:*",
            "Resource": scope.regional("sagemaker", f"*/{prefix}*"),
        },
        {
            "Sid": "StackCatalog",
            "Effect": "Allow",
            "Action": "glue:*",
            "Resource": [
                scope.regional("glue", "catalog"),
                scope.regional("glue", f"database/{catalog_prefix}*"),
                scope.regional("glue", f"table/{catalog_prefix}*/*"),
            ],
        },
        {
            "Sid": "StackRepositories",
            "Effect": "Allow",
            "Action": "ecr:*",
            "Resource": scope.regional(
                "ecr", f"repository/{deployment.name_prefix}-{deployment.stack}/*"
            ),
        },
    ]


# Jobs SageMaker Pipelines starts are named `pipelines-<execution>-<step>`, whatever the
# pipeline's name: the pipeline roles' own policies scope them further.
PIPELINE_JOB_KINDS = ("processing-job", "training-job", "transform-job")
PIPELINE_JOB_ACTIONS = (
    "sagemaker:AddTags",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
    "sagemaker:DescribeProcessingJob",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:StopProcessingJob",
    "sagemaker:StopTrainingJob",
    "sagemaker:StopTransformJob",
)


def _lifecycle_statements(deployment: Deployment, scope: Any) -> list[Statement]:
    """What the lifecycle's pipeline, batch and trigger roles do beyond the stack's names."""
    prefix = deployment.name("")
    tagged = {"StringEquals": {f"aws:ResourceTag/{STACK_TAG}": deployment.stack}}
    return [
        {
            "Sid": "StackPipelineJobs",
            "Effect": "Allow",
            "Action": list(PIPELINE_JOB_ACTIONS),
            "Resource": [
                scope.regional("sagemaker", f"{kind}/pipelines-*") for kind in PIPELINE_JOB_KINDS
            ],
        },
        {
            # Batch models are auto-named (a new version is a new model): found by tag.
            "Sid": "StackTaggedModels",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeModel",
            "Resource": scope.regional("sagemaker", "model/*"),
            "Condition": tagged,
        },
        {
            # A pipeline hands its own role to the jobs it starts; the only IAM a bounded
            # role can ever hold, and only for the stack's roles and SageMaker.
            "Sid": "PassStackRolesToSageMaker",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": scope.iam(f"role/{prefix}*"),
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        {
            # Dead letters in; Karpenter's interruption messages out.
            "Sid": "StackQueues",
            "Effect": "Allow",
            "Action": [
                "sqs:DeleteMessage",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
                "sqs:SendMessage",
            ],
            "Resource": scope.regional("sqs", f"{prefix}*"),
        },
    ]


def _karpenter_statements(deployment: Deployment, scope: Any) -> list[Statement]:
    """What the stack's Karpenter controller does beyond the stack's names: AMI and price
    lookups, and the instance profiles of its cluster's nodes (tagged as the cluster's)."""
    owned = f"{CLUSTER_TAG.format(cluster=cluster_name(deployment))}"
    profiles = scope.iam("instance-profile/*")
    return [
        {
            "Sid": "PublicAmiParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": concat(
                "arn:", scope.partition, ":ssm:", scope.region, "::parameter/aws/service/*"
            ),
        },
        {"Sid": "Prices", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
        {
            # Nodes run as a stack role: Karpenter hands the node role to EC2.
            "Sid": "PassStackRolesToEc2",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": scope.iam(f"role/{deployment.name('')}*"),
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
        {
            "Sid": "CreateClusterInstanceProfiles",
            "Effect": "Allow",
            "Action": ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
            "Resource": profiles,
            "Condition": {"StringEquals": {f"aws:RequestTag/{owned}": "owned"}},
        },
        {
            "Sid": "ManageClusterInstanceProfiles",
            "Effect": "Allow",
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
            ],
            "Resource": profiles,
            "Condition": {"StringEquals": {f"aws:ResourceTag/{owned}": "owned"}},
        },
        {
            "Sid": "ReadInstanceProfiles",
            "Effect": "Allow",
            "Action": "iam:GetInstanceProfile",
            "Resource": profiles,
        },
    ]


def _service_statements(deployment: Deployment, scope: Any) -> list[Statement]:
    """Regional operations, image pulls, the GitHub connection, the stack's API
    destinations and state machines."""
    prefix = deployment.name("")
    in_region = {"StringEquals": {"aws:RequestedRegion": scope.region}}
    return [
        {
            # The CI runner reaches GitHub through the account's CodeConnections connection.
            "Sid": "GithubConnections",
            "Effect": "Allow",
            "Action": [
                f"{service}:{action}"
                for service in CONNECTION_SERVICES
                for action in ("GetConnectionToken", "UseConnection")
            ],
            "Resource": [scope.regional(s, "connection/*") for s in CONNECTION_SERVICES],
        },
        {
            "Sid": "StackApiDestinations",
            "Effect": "Allow",
            "Action": "events:InvokeApiDestination",
            "Resource": scope.regional("events", f"api-destination/{prefix}*"),
        },
        {
            # EventBridge starts the baseline copy.
            "Sid": "StartStackStateMachines",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": scope.regional("states", f"stateMachine:{prefix}*"),
        },
        {
            "Sid": "PullImages",
            "Effect": "Allow",
            "Action": list(IMAGE_PULL_ACTIONS),
            "Resource": "*",
            "Condition": in_region,
        },
        {
            "Sid": "RegionalOperations",
            "Effect": "Allow",
            "Action": [f"{service}:*" for service in REGIONAL_SERVICES],
            "Resource": "*",
            "Condition": in_region,
        },
    ]


class PermissionsBoundary(pulumi.ComponentResource):
    """The managed policy every IAM role of the stack carries as its permissions boundary.

    Outputs:
        arn: The boundary policy's ARN (what `iam:PermissionsBoundary` conditions name).
    """

    arn: pulumi.Output[str]

    def __init__(
        self, name: str, deployment: Deployment, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlops:iam:PermissionsBoundary", name, None, opts)
        ident = aws_identity()
        scope = _Scope(ident.partition, ident.region, ident.account_id)
        policy_name = deployment.name("boundary")
        policy = aws.iam.Policy(
            f"{name}-policy",
            name=policy_name,
            description=f"Permissions boundary of every IAM role of stack {deployment.stack}",
            policy=policy_document(boundary_statements(deployment, scope)),
            tags=deployment.tagged(policy_name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = policy.arn
        self.register_outputs({"arn": self.arn})


def boundary_arn(deployment: Deployment, partition: str, account_id: str) -> str:
    """The ARN the stack's boundary policy has (IAM policy ARNs are predictable)."""
    return f"arn:{partition}:iam::{account_id}:policy/{deployment.name('boundary')}"
