"""IAM of Karpenter's controller: launch, tag and terminate only this cluster's nodes.

Modelled on Karpenter's reference controller policy (v1): every write is conditioned on the
`kubernetes.io/cluster/<cluster>=owned` tag that Karpenter puts on what it creates, and the
only role it may pass to EC2 (and put in an instance profile) is the pool node role.
"""

from __future__ import annotations

import pulumi

from ..iam import Statement
from ..output_values import concat

CLUSTER_TAG = "kubernetes.io/cluster/{cluster}"
NODEPOOL_TAG = "karpenter.sh/nodepool"
NODECLASS_TAG = "karpenter.k8s.aws/ec2nodeclass"
EKS_CLUSTER_TAG = "eks:eks-cluster-name"

REGIONAL_READ_ACTIONS = (
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplates",
    # EC2NodeClass placementGroupSelector (EFA pools' cluster placement groups).
    "ec2:DescribePlacementGroups",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
)
LAUNCH_ACTIONS = ["ec2:RunInstances", "ec2:CreateFleet"]


class _Arns:
    """ARN builder for one account and region."""

    def __init__(self, partition: pulumi.Input[str], region: str, account: pulumi.Input[str]):
        self.partition, self.region, self.account = partition, region, account

    def ec2(self, resource: str, account: bool = True) -> pulumi.Output[str]:
        owner = self.account if account else ""
        return concat("arn:", self.partition, ":ec2:", self.region, ":", owner, ":", resource)

    def iam(self, resource: str) -> pulumi.Output[str]:
        return concat("arn:", self.partition, ":iam::", self.account, ":", resource)

    def global_(self, service: str, resource: str) -> pulumi.Output[str]:
        return concat("arn:", self.partition, ":", service, ":", self.region, "::", resource)


def _launch_statements(arns: _Arns, cluster: str) -> list[Statement]:
    """RunInstances/CreateFleet: only with this cluster's tags on what they create."""
    owned = {f"aws:RequestTag/{CLUSTER_TAG.format(cluster=cluster)}": "owned"}
    created = [
        arns.ec2(f"{kind}/*")
        for kind in ("fleet", "instance", "volume", "network-interface", "launch-template")
    ] + [arns.ec2("spot-instances-request/*")]
    return [
        {
            "Sid": "LaunchFromSharedImagesAndTheClustersNetwork",
            "Effect": "Allow",
            "Action": LAUNCH_ACTIONS,
            "Resource": [
                arns.ec2("image/*", account=False),
                arns.ec2("snapshot/*", account=False),
                arns.ec2("security-group/*"),
                arns.ec2("subnet/*"),
                arns.ec2("capacity-reservation/*"),
                arns.ec2("placement-group/*"),
            ],
        },
        {
            "Sid": "LaunchWithTheClustersLaunchTemplates",
            "Effect": "Allow",
            "Action": LAUNCH_ACTIONS,
            "Resource": arns.ec2("launch-template/*"),
            "Condition": {
                "StringEquals": {f"aws:ResourceTag/{CLUSTER_TAG.format(cluster=cluster)}": "owned"},
                "StringLike": {f"aws:ResourceTag/{NODEPOOL_TAG}": "*"},
            },
        },
        {
            "Sid": "CreateOnlyTaggedForTheCluster",
            "Effect": "Allow",
            "Action": [*LAUNCH_ACTIONS, "ec2:CreateLaunchTemplate"],
            "Resource": created,
            "Condition": {
                "StringEquals": {**owned, f"aws:RequestTag/{EKS_CLUSTER_TAG}": cluster},
                "StringLike": {f"aws:RequestTag/{NODEPOOL_TAG}": "*"},
            },
        },
        {
            "Sid": "TagOnCreation",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": created,
            "Condition": {
                "StringEquals": {
                    **owned,
                    f"aws:RequestTag/{EKS_CLUSTER_TAG}": cluster,
                    "ec2:CreateAction": [*LAUNCH_ACTIONS, "ec2:CreateLaunchTemplate"],
                },
                "StringLike": {f"aws:RequestTag/{NODEPOOL_TAG}": "*"},
            },
        },
    ]


def _lifecycle_statements(arns: _Arns, cluster: str) -> list[Statement]:
    """Name and delete only the cluster's own instances and launch templates."""
    owned = {f"aws:ResourceTag/{CLUSTER_TAG.format(cluster=cluster)}": "owned"}
    return [
        {
            "Sid": "TagTheClustersNodes",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": arns.ec2("instance/*"),
            "Condition": {
                "StringEquals": owned,
                "StringLike": {f"aws:ResourceTag/{NODEPOOL_TAG}": "*"},
                "StringEqualsIfExists": {f"aws:RequestTag/{EKS_CLUSTER_TAG}": cluster},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": [EKS_CLUSTER_TAG, "karpenter.sh/nodeclaim", "Name"]
                },
            },
        },
        {
            "Sid": "DeleteTheClustersNodes",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [arns.ec2("instance/*"), arns.ec2("launch-template/*")],
            "Condition": {
                "StringEquals": owned,
                "StringLike": {f"aws:ResourceTag/{NODEPOOL_TAG}": "*"},
            },
        },
        {
            "Sid": "ReadInstanceTypesImagesAndNetworkInRegion",
            "Effect": "Allow",
            "Action": list(REGIONAL_READ_ACTIONS),
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": arns.region}},
        },
        {
            "Sid": "ReadPublicAmiParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": arns.global_("ssm", "parameter/aws/service/*"),
        },
        {
            # The Price List API supports no resource-level permissions.
            "Sid": "ReadPrices",
            "Effect": "Allow",
            "Action": "pricing:GetProducts",
            "Resource": "*",
        },
    ]


def _profile_statements(
    arns: _Arns, cluster: str, node_role_arn: pulumi.Input[str]
) -> list[Statement]:
    """Pass only the pool node role; manage only instance profiles tagged for the cluster."""
    owned = CLUSTER_TAG.format(cluster=cluster)
    profiles = arns.iam("instance-profile/*")
    request = {
        f"aws:RequestTag/{owned}": "owned",
        f"aws:RequestTag/{EKS_CLUSTER_TAG}": cluster,
        "aws:RequestTag/topology.kubernetes.io/region": arns.region,
    }
    resource = {
        f"aws:ResourceTag/{owned}": "owned",
        "aws:ResourceTag/topology.kubernetes.io/region": arns.region,
    }
    return [
        {
            "Sid": "PassOnlyTheNodeRoleToEc2",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": node_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
        {
            "Sid": "CreateTaggedInstanceProfiles",
            "Effect": "Allow",
            "Action": ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
            "Resource": profiles,
            "Condition": {
                "StringEquals": request,
                "StringLike": {f"aws:RequestTag/{NODECLASS_TAG}": "*"},
            },
        },
        {
            "Sid": "ManageTheClustersInstanceProfiles",
            "Effect": "Allow",
            "Action": [
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:TagInstanceProfile",
            ],
            "Resource": profiles,
            "Condition": {
                "StringEquals": resource,
                "StringLike": {f"aws:ResourceTag/{NODECLASS_TAG}": "*"},
            },
        },
        {
            "Sid": "ReadInstanceProfiles",
            "Effect": "Allow",
            "Action": "iam:GetInstanceProfile",
            "Resource": profiles,
        },
    ]


def karpenter_statements(
    *,
    cluster_name: str,
    partition: pulumi.Input[str],
    region: str,
    account_id: pulumi.Input[str],
    node_role_arn: pulumi.Input[str],
    queue_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
) -> list[Statement]:
    """Everything the Karpenter controller may do, scoped to this cluster."""
    arns = _Arns(partition, region, account_id)
    return [
        *_launch_statements(arns, cluster_name),
        *_lifecycle_statements(arns, cluster_name),
        *_profile_statements(arns, cluster_name, node_role_arn),
        {
            "Sid": "ConsumeInterruptionQueue",
            "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            "Resource": queue_arn,
        },
        {
            "Sid": "DiscoverApiEndpoint",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": concat(
                "arn:", partition, ":eks:", region, ":", account_id, ":cluster/", cluster_name
            ),
        },
        {
            # EC2 encrypts the nodes' root volumes with the platform key at launch, acting
            # for the caller; only through EC2 in this region.
            "Sid": "EncryptNodeVolumesThroughEc2",
            "Effect": "Allow",
            "Action": [
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncrypt*",
            ],
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{region}.amazonaws.com"}},
        },
        {
            "Sid": "DecryptInterruptionMessages",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": kms_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
        },
    ]
