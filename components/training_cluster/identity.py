"""IAM of the training cluster: managed policies of its roles and least-privilege statements.

The policy builders are plain functions returning statements, so tests can read exactly
what each workload is granted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from ..iam import Statement
from ..output_values import concat

EKS_CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
# The CNI policy is deliberately not on the node role: vpc-cni gets it through its own pod
# identity, so ordinary pods on a node cannot use the node's credentials to manage ENIs.
EKS_NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly")
VPC_CNI_POLICIES = ("AmazonEKS_CNI_Policy",)
EBS_CSI_POLICIES = ("service-role/AmazonEBSCSIDriverPolicy",)


# Read-only calls the autoscaler makes to pick a group; they support no resource-level
# permissions.
AUTOSCALER_DESCRIBE_ACTIONS = (
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeAutoScalingInstances",
    "autoscaling:DescribeLaunchConfigurations",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:DescribeTags",
    "ec2:DescribeImages",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:GetInstanceTypesFromInstanceRequirements",
)


def _objects(
    bucket_arns: Sequence[pulumi.Input[str]], prefixes: Sequence[str]
) -> list[pulumi.Output[str]]:
    return [concat(arn, "/", prefix, "*") for arn in bucket_arns for prefix in prefixes]


def _arn(
    partition: pulumi.Input[str],
    service: str,
    region: str,
    account_id: pulumi.Input[str],
    resource: str,
) -> pulumi.Output[str]:
    """An ARN in this account and region (partition and account are known at deploy time)."""
    return concat("arn:", partition, ":", service, ":", region, ":", account_id, ":", resource)


def _s3_statements(
    *,
    bucket_arns: Sequence[pulumi.Input[str]],
    read_prefixes: Sequence[str],
    write_prefixes: Sequence[str],
    kms_key_arn: pulumi.Input[str],
    region: str,
) -> list[Statement]:
    """List, read and write under the team's prefixes, and the bucket key through S3."""
    readable = list(dict.fromkeys([*read_prefixes, *write_prefixes]))
    listing: dict[str, Any] = {
        "Sid": "ListWorkloadPrefixes",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": list(bucket_arns),
    }
    # An empty prefix means the whole bucket: no condition then.
    if "" not in readable:
        listing["Condition"] = {"StringLike": {"s3:prefix": [f"{p}*" for p in readable]}}
    return [
        listing,
        {
            "Sid": "ReadWorkloadData",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": _objects(bucket_arns, readable),
        },
        {
            "Sid": "WriteTeamPrefixes",
            "Effect": "Allow",
            "Action": [
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            "Resource": _objects(bucket_arns, write_prefixes),
        },
        {
            "Sid": "UseBucketKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    ]


def _package_versions(group_arn: str) -> str:
    """Versions of a model package group: `...:model-package/<group>/*`."""
    return group_arn.replace(":model-package-group/", ":model-package/", 1) + "/*"


def _model_registry_statements(
    model_package_group_arns: Sequence[pulumi.Input[str]],
) -> list[Statement]:
    """Read the model package groups and create (not approve) versions in them."""
    packages = [
        pulumi.Output.from_input(arn).apply(_package_versions) for arn in model_package_group_arns
    ]
    return [
        {
            "Sid": "ReadModelPackageGroups",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeModelPackageGroup",
            "Resource": list(model_package_group_arns),
        },
        {
            "Sid": "RegisterModelVersions",
            "Effect": "Allow",
            "Action": ["sagemaker:DescribeModelPackage", "sagemaker:CreateModelPackage"],
            "Resource": packages,
        },
    ]


def workload_statements(
    *,
    bucket_arns: Sequence[pulumi.Input[str]],
    read_prefixes: Sequence[str],
    write_prefixes: Sequence[str],
    model_package_group_arns: Sequence[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str],
    region: str,
) -> list[Statement]:
    """What one team's training pods may do: read/write their prefixes, register models.

    Reads cover the read and write prefixes (a job resumes from its own checkpoints);
    writes cover the write prefixes only. Model registration stops at creating a package
    version: approving one stays with the registry's owners.
    """
    statements: list[Statement] = []
    if bucket_arns:
        statements += _s3_statements(
            bucket_arns=bucket_arns,
            read_prefixes=read_prefixes,
            write_prefixes=write_prefixes,
            kms_key_arn=kms_key_arn,
            region=region,
        )
    if model_package_group_arns:
        statements += _model_registry_statements(model_package_group_arns)
    return statements


def autoscaler_statements(
    *,
    cluster_name: str,
    partition: pulumi.Input[str],
    region: str,
    account_id: pulumi.Input[str],
) -> list[Statement]:
    """Cluster-autoscaler: describe freely, but resize only this cluster's node groups.

    EKS tags each managed node group's Auto Scaling group with
    `k8s.io/cluster-autoscaler/<cluster>=owned`; the condition on that tag keeps the
    autoscaler from touching any other group in the account.
    """
    return [
        {
            "Sid": "ResizeThisClustersNodeGroups",
            "Effect": "Allow",
            "Action": [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            "Resource": _arn(
                partition,
                "autoscaling",
                region,
                account_id,
                "autoScalingGroup:*:autoScalingGroupName/eks-*",
            ),
            "Condition": {
                "StringEquals": {
                    f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"
                }
            },
        },
        {
            "Sid": "DescribeScalingCandidates",
            "Effect": "Allow",
            "Action": list(AUTOSCALER_DESCRIBE_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "ReadThisClustersNodeGroups",
            "Effect": "Allow",
            "Action": "eks:DescribeNodegroup",
            "Resource": _arn(partition, "eks", region, account_id, f"nodegroup/{cluster_name}/*/*"),
        },
    ]


def ebs_csi_kms_statements(kms_key_arn: pulumi.Input[str]) -> list[Statement]:
    """What the EBS CSI driver needs on the platform key to create encrypted volumes.

    The AWS managed driver policy covers EBS itself but not customer-managed keys.
    """
    return [
        {
            "Sid": "GrantKeyToEbs",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": kms_key_arn,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {
            "Sid": "UseKeyForVolumes",
            "Effect": "Allow",
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ],
            "Resource": kms_key_arn,
        },
    ]
