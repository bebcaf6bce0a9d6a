"""The IAM actions Pulumi needs to manage each AWS resource type the platform creates.

One table, one row per Pulumi `aws:` type: the API actions to create, read, update, delete
and tag resources of that type, and how a stack's own resources of that type are named in a
policy (`Scope`). The CI roles are built from the rows of the types a stack's plan contains
(`components/ci_access.py`), so a component that starts creating a new type must add its row
here: `tests/test_ci_permissions.py` maps every `aws:` type of every shipped plan to this
table, checks every action name against the published IAM action data and derives from the
same data which actions support no resource-level permissions (the only ones granted on
`*`, see `catalog/iam_actions.json`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ARN templates below are filled in per stack: {partition}, {region}, {account}, {prefix}
# (`mlops-<stack>-`), {np} (`mlops`) and {stack}. Stack names hold no `-`, `_` or `/`, so a
# stack's pattern never covers another stack's names.
REGIONAL = "arn:{partition}:{service}:{region}:{account}:"


def _regional(service: str, *resources: str) -> tuple[str, ...]:
    return tuple(REGIONAL.replace("{service}", service) + r for r in resources)


@dataclass(frozen=True)
class Scope:
    """How a stack's resources of one type are named in a policy.

    Args:
        arns: ARN patterns of the stack's resources (physical names carry its prefix).
        tagged: The resources' ARNs hold random ids: they are named by the `stack` tag
            (`aws:ResourceTag/stack`, and `aws:RequestTag/stack` on create).
        condition: A condition naming them otherwise (resources AWS creates for a stack's
            resource and tags with its name, such as a node group's Auto Scaling group).
    """

    arns: tuple[str, ...] = ()
    tagged: bool = False
    condition: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TypeActions:
    """The IAM actions of one resource type, by what Pulumi does with it.

    `administered`: resources of the type are access control an administrator applies
    (the CI roles' policies, the permissions boundary, the account's OIDC provider); the
    deploy role reads them and changes none.
    """

    create: tuple[str, ...]
    read: tuple[str, ...]
    update: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    scope: Scope = field(default_factory=Scope)
    administered: bool = False

    @property
    def write(self) -> tuple[str, ...]:
        """Every action that changes something."""
        return (*self.create, *self.update, *self.delete, *self.tag)


S3_BUCKETS = Scope(arns=("arn:{partition}:s3:::{prefix}*",))
IAM_ROLES = Scope(arns=("arn:{partition}:iam::{account}:role/{prefix}*",))
EC2 = Scope(tagged=True)
KMS_KEYS = Scope(tagged=True)
EKS = Scope(
    arns=_regional(
        "eks",
        "cluster/{prefix}*",
        "nodegroup/{prefix}*/*/*",
        "addon/{prefix}*/*/*",
        "access-entry/{prefix}*/*",
        "podidentityassociation/{prefix}*/*",
    )
)
# Named resources carry the prefix; models and endpoint configurations are auto-named by
# Pulumi (renaming would replace them) and are named by their stack tag instead.
SAGEMAKER_NAMED = _regional("sagemaker", "*/{prefix}*")
SAGEMAKER = Scope(arns=SAGEMAKER_NAMED)
SAGEMAKER_AUTO_NAMED = Scope(arns=SAGEMAKER_NAMED, tagged=True)
LOG_GROUPS = Scope(
    arns=_regional("logs", "log-group:/{np}/{stack}/*", "log-group:/aws/*/{prefix}*")
)
# Alarms Application Auto Scaling creates for a target-tracking policy.
TARGET_TRACKING_ALARMS = _regional("cloudwatch", "alarm:TargetTracking-endpoint/{prefix}*")

_S3_CONFIG = ("s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketTagging")


def _s3(get: str, put: str, delete: str | None = None) -> TypeActions:
    """A bucket sub-resource: one configuration the bucket holds."""
    return TypeActions(
        create=(put,),
        read=(*_S3_CONFIG, get),
        update=(put,),
        delete=(delete or put,),
        scope=S3_BUCKETS,
    )


def _ec2(
    noun: str, *, create: str | None = None, delete: str | None = None, plural: str = "s"
) -> TypeActions:
    """An EC2 resource with plain Create/Delete/Describe calls, tagged on create."""
    return TypeActions(
        create=(create or f"ec2:Create{noun}", "ec2:CreateTags"),
        read=(f"ec2:Describe{noun}{plural}", "ec2:DescribeTags"),
        delete=(delete or f"ec2:Delete{noun}",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    )


# What creating or updating a state machine encrypted with the stack's key does with the
# caller's rights.
SFN_KEY_USE = ("kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt")

ACTIONS_BY_TYPE: Mapping[str, TypeActions] = {
    # Keys
    "aws:kms/key:Key": TypeActions(
        create=("kms:CreateKey", "kms:PutKeyPolicy", "kms:EnableKeyRotation"),
        read=(
            "kms:DescribeKey",
            "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus",
            "kms:ListResourceTags",
        ),
        update=(
            "kms:PutKeyPolicy",
            "kms:UpdateKeyDescription",
            "kms:EnableKeyRotation",
            "kms:DisableKeyRotation",
            "kms:EnableKey",
            "kms:DisableKey",
        ),
        delete=("kms:ScheduleKeyDeletion",),
        tag=("kms:TagResource", "kms:UntagResource"),
        scope=KMS_KEYS,
    ),
    "aws:kms/alias:Alias": TypeActions(
        create=("kms:CreateAlias",),
        read=("kms:ListAliases",),
        update=("kms:UpdateAlias",),
        delete=("kms:DeleteAlias",),
        scope=Scope(arns=_regional("kms", "alias/{prefix}*"), tagged=True),
    ),
    "aws:kms/grant:Grant": TypeActions(
        create=("kms:CreateGrant",),
        read=("kms:ListGrants",),
        delete=("kms:RetireGrant", "kms:RevokeGrant"),
        scope=KMS_KEYS,
    ),
    # Buckets
    "aws:s3/bucket:Bucket": TypeActions(
        create=("s3:CreateBucket", "s3:PutBucketTagging"),
        read=(
            *_S3_CONFIG,
            "s3:GetBucketAcl",
            "s3:GetBucketCORS",
            "s3:GetBucketLogging",
            "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketRequestPayment",
            "s3:GetBucketWebsite",
            "s3:GetAccelerateConfiguration",
            "s3:GetReplicationConfiguration",
        ),
        delete=("s3:DeleteBucket",),
        tag=("s3:PutBucketTagging",),
        scope=S3_BUCKETS,
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _s3(
        "s3:GetBucketVersioning", "s3:PutBucketVersioning"
    ),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _s3("s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration")
    ),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _s3(
        "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _s3(
        "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"
    ),
    "aws:s3/bucketPolicy:BucketPolicy": _s3(
        "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"
    ),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _s3(
        "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"
    ),
    # Identity
    "aws:iam/role:Role": TypeActions(
        create=("iam:CreateRole", "iam:TagRole", "iam:PutRolePermissionsBoundary"),
        read=(
            "iam:GetRole",
            "iam:ListRoleTags",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies",
            "iam:ListInstanceProfilesForRole",
        ),
        update=(
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:UpdateAssumeRolePolicy",
            "iam:PutRolePermissionsBoundary",
        ),
        delete=("iam:DeleteRole",),
        tag=("iam:TagRole", "iam:UntagRole"),
        scope=IAM_ROLES,
    ),
    "aws:iam/rolePolicy:RolePolicy": TypeActions(
        create=("iam:PutRolePolicy",),
        read=("iam:GetRolePolicy",),
        update=("iam:PutRolePolicy",),
        delete=("iam:DeleteRolePolicy",),
        scope=IAM_ROLES,
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": TypeActions(
        create=("iam:AttachRolePolicy",),
        read=("iam:ListAttachedRolePolicies",),
        delete=("iam:DetachRolePolicy",),
        scope=IAM_ROLES,
    ),
    "aws:iam/policy:Policy": TypeActions(
        create=("iam:CreatePolicy", "iam:TagPolicy"),
        read=("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"),
        update=("iam:CreatePolicyVersion", "iam:DeletePolicyVersion"),
        delete=("iam:DeletePolicy",),
        tag=("iam:TagPolicy", "iam:UntagPolicy"),
        scope=Scope(arns=("arn:{partition}:iam::{account}:policy/{prefix}*",)),
        administered=True,
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": TypeActions(
        create=("iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"),
        read=("iam:GetOpenIDConnectProvider",),
        update=(
            "iam:UpdateOpenIDConnectProviderThumbprint",
            "iam:AddClientIDToOpenIDConnectProvider",
            "iam:RemoveClientIDFromOpenIDConnectProvider",
        ),
        delete=("iam:DeleteOpenIDConnectProvider",),
        tag=("iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider"),
        scope=Scope(
            arns=(
                "arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com",
            )
        ),
        administered=True,
    ),
    # Network
    "aws:ec2/vpc:Vpc": TypeActions(
        create=("ec2:CreateVpc", "ec2:CreateTags", "ec2:ModifyVpcAttribute"),
        read=("ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeTags"),
        update=("ec2:ModifyVpcAttribute",),
        delete=("ec2:DeleteVpc",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/subnet:Subnet": TypeActions(
        create=("ec2:CreateSubnet", "ec2:CreateTags", "ec2:ModifySubnetAttribute"),
        read=("ec2:DescribeSubnets", "ec2:DescribeTags"),
        update=("ec2:ModifySubnetAttribute",),
        delete=("ec2:DeleteSubnet",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/internetGateway:InternetGateway": TypeActions(
        create=("ec2:CreateInternetGateway", "ec2:CreateTags", "ec2:AttachInternetGateway"),
        read=("ec2:DescribeInternetGateways", "ec2:DescribeTags"),
        delete=("ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/eip:Eip": _ec2(
        "Address", create="ec2:AllocateAddress", delete="ec2:ReleaseAddress", plural="es"
    ),
    "aws:ec2/natGateway:NatGateway": _ec2("NatGateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("RouteTable"),
    "aws:ec2/route:Route": TypeActions(
        create=("ec2:CreateRoute",),
        read=("ec2:DescribeRouteTables",),
        update=("ec2:ReplaceRoute",),
        delete=("ec2:DeleteRoute",),
        scope=EC2,
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": TypeActions(
        create=("ec2:AssociateRouteTable",),
        read=("ec2:DescribeRouteTables",),
        update=("ec2:ReplaceRouteTableAssociation",),
        delete=("ec2:DisassociateRouteTable",),
        scope=EC2,
    ),
    "aws:ec2/securityGroup:SecurityGroup": TypeActions(
        create=(
            "ec2:CreateSecurityGroup",
            "ec2:CreateTags",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupEgress",
        ),
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeTags"),
        update=(
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:RevokeSecurityGroupIngress",
            "ec2:RevokeSecurityGroupEgress",
            "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
            "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
        ),
        delete=("ec2:DeleteSecurityGroup",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": TypeActions(
        create=("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"),
        read=("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"),
        update=("ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": TypeActions(
        create=("ec2:AuthorizeSecurityGroupIngress", "ec2:CreateTags"),
        read=("ec2:DescribeSecurityGroupRules",),
        update=("ec2:ModifySecurityGroupRules",),
        delete=("ec2:RevokeSecurityGroupIngress",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/placementGroup:PlacementGroup": TypeActions(
        create=("ec2:CreatePlacementGroup", "ec2:CreateTags"),
        read=("ec2:DescribePlacementGroups",),
        delete=("ec2:DeletePlacementGroup",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": TypeActions(
        create=("ec2:CreateVpcEndpoint", "ec2:CreateTags"),
        read=("ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeTags"),
        update=("ec2:ModifyVpcEndpoint",),
        delete=("ec2:DeleteVpcEndpoints",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/flowLog:FlowLog": TypeActions(
        create=("ec2:CreateFlowLogs", "ec2:CreateTags"),
        read=("ec2:DescribeFlowLogs",),
        delete=("ec2:DeleteFlowLogs",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:ec2/launchTemplate:LaunchTemplate": TypeActions(
        create=("ec2:CreateLaunchTemplate", "ec2:CreateTags"),
        read=(
            "ec2:DescribeLaunchTemplates",
            "ec2:DescribeLaunchTemplateVersions",
            "ec2:GetLaunchTemplateData",
        ),
        update=(
            "ec2:CreateLaunchTemplateVersion",
            "ec2:ModifyLaunchTemplate",
            "ec2:DeleteLaunchTemplateVersions",
        ),
        delete=("ec2:DeleteLaunchTemplate",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    # Training cluster
    "aws:eks/cluster:Cluster": TypeActions(
        create=("eks:CreateCluster", "eks:TagResource"),
        read=("eks:DescribeCluster", "eks:ListTagsForResource", "eks:DescribeUpdate"),
        update=(
            "eks:UpdateClusterConfig",
            "eks:UpdateClusterVersion",
            "eks:AssociateEncryptionConfig",
        ),
        delete=("eks:DeleteCluster",),
        tag=("eks:TagResource", "eks:UntagResource"),
        scope=EKS,
    ),
    "aws:eks/nodeGroup:NodeGroup": TypeActions(
        create=("eks:CreateNodegroup", "eks:TagResource"),
        read=("eks:DescribeNodegroup", "eks:ListNodegroups", "eks:DescribeUpdate"),
        update=("eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion"),
        delete=("eks:DeleteNodegroup",),
        tag=("eks:TagResource", "eks:UntagResource"),
        scope=EKS,
    ),
    "aws:eks/addon:Addon": TypeActions(
        create=("eks:CreateAddon", "eks:TagResource"),
        read=("eks:DescribeAddon", "eks:DescribeAddonVersions", "eks:ListAddons"),
        update=("eks:UpdateAddon",),
        delete=("eks:DeleteAddon",),
        tag=("eks:TagResource", "eks:UntagResource"),
        scope=EKS,
    ),
    "aws:eks/accessEntry:AccessEntry": TypeActions(
        create=("eks:CreateAccessEntry", "eks:TagResource"),
        read=("eks:DescribeAccessEntry", "eks:ListAccessEntries"),
        update=("eks:UpdateAccessEntry",),
        delete=("eks:DeleteAccessEntry",),
        tag=("eks:TagResource", "eks:UntagResource"),
        scope=EKS,
    ),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": TypeActions(
        create=("eks:AssociateAccessPolicy",),
        read=("eks:ListAssociatedAccessPolicies",),
        delete=("eks:DisassociateAccessPolicy",),
        scope=Scope(arns=(*EKS.arns, "arn:{partition}:eks::aws:cluster-access-policy/*")),
    ),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": TypeActions(
        create=("eks:CreatePodIdentityAssociation", "eks:TagResource"),
        read=("eks:DescribePodIdentityAssociation", "eks:ListPodIdentityAssociations"),
        update=("eks:UpdatePodIdentityAssociation",),
        delete=("eks:DeletePodIdentityAssociation",),
        tag=("eks:TagResource", "eks:UntagResource"),
        scope=EKS,
    ),
    # Node groups' Auto Scaling groups: created by EKS, tagged with the cluster's name.
    "aws:autoscaling/tag:Tag": TypeActions(
        create=("autoscaling:CreateOrUpdateTags",),
        read=("autoscaling:DescribeTags", "autoscaling:DescribeAutoScalingGroups"),
        update=("autoscaling:CreateOrUpdateTags",),
        delete=("autoscaling:DeleteTags",),
        scope=Scope(condition={"StringLike": {"aws:ResourceTag/eks:cluster-name": "{prefix}*"}}),
    ),
    # Feature store and registry
    "aws:glue/catalogDatabase:CatalogDatabase": TypeActions(
        create=("glue:CreateDatabase", "glue:TagResource"),
        read=("glue:GetDatabase", "glue:GetTags"),
        update=("glue:UpdateDatabase",),
        delete=("glue:DeleteDatabase",),
        tag=("glue:TagResource", "glue:UntagResource"),
        scope=Scope(arns=_regional("glue", "catalog", "database/{np}_{stack}_*")),
    ),
    "aws:sagemaker/featureGroup:FeatureGroup": TypeActions(
        create=("sagemaker:CreateFeatureGroup", "sagemaker:AddTags"),
        read=("sagemaker:DescribeFeatureGroup", "sagemaker:ListTags"),
        update=("sagemaker:UpdateFeatureGroup",),
        delete=("sagemaker:DeleteFeatureGroup",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": TypeActions(
        create=("sagemaker:CreateModelPackageGroup", "sagemaker:AddTags"),
        read=("sagemaker:DescribeModelPackageGroup", "sagemaker:ListTags"),
        delete=("sagemaker:DeleteModelPackageGroup",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": TypeActions(
        create=("sagemaker:PutModelPackageGroupPolicy",),
        read=("sagemaker:GetModelPackageGroupPolicy",),
        update=("sagemaker:PutModelPackageGroupPolicy",),
        delete=("sagemaker:DeleteModelPackageGroupPolicy",),
        scope=SAGEMAKER,
    ),
    "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": TypeActions(
        create=("sagemaker:CreateMlflowTrackingServer", "sagemaker:AddTags"),
        read=("sagemaker:DescribeMlflowTrackingServer", "sagemaker:ListTags"),
        update=("sagemaker:UpdateMlflowTrackingServer",),
        delete=("sagemaker:DeleteMlflowTrackingServer",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    "aws:ecr/repository:Repository": TypeActions(
        create=("ecr:CreateRepository", "ecr:TagResource"),
        read=("ecr:DescribeRepositories", "ecr:ListTagsForResource"),
        update=("ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability"),
        delete=("ecr:DeleteRepository",),
        tag=("ecr:TagResource", "ecr:UntagResource"),
        scope=Scope(arns=_regional("ecr", "repository/{np}-{stack}/*")),
    ),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": TypeActions(
        create=("ecr:PutLifecyclePolicy",),
        read=("ecr:GetLifecyclePolicy",),
        update=("ecr:PutLifecyclePolicy",),
        delete=("ecr:DeleteLifecyclePolicy",),
        scope=Scope(arns=_regional("ecr", "repository/{np}-{stack}/*")),
    ),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": TypeActions(
        create=("ecr:SetRepositoryPolicy",),
        read=("ecr:GetRepositoryPolicy",),
        update=("ecr:SetRepositoryPolicy",),
        delete=("ecr:DeleteRepositoryPolicy",),
        scope=Scope(arns=_regional("ecr", "repository/{np}-{stack}/*")),
    ),
    # Serving
    "aws:sagemaker/model:Model": TypeActions(
        create=("sagemaker:CreateModel", "sagemaker:AddTags"),
        read=("sagemaker:DescribeModel", "sagemaker:ListTags"),
        delete=("sagemaker:DeleteModel",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER_AUTO_NAMED,
    ),
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": TypeActions(
        create=("sagemaker:CreateEndpointConfig", "sagemaker:AddTags"),
        read=("sagemaker:DescribeEndpointConfig", "sagemaker:ListTags"),
        delete=("sagemaker:DeleteEndpointConfig",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER_AUTO_NAMED,
    ),
    "aws:sagemaker/endpoint:Endpoint": TypeActions(
        create=("sagemaker:CreateEndpoint", "sagemaker:AddTags"),
        read=("sagemaker:DescribeEndpoint", "sagemaker:ListTags"),
        update=("sagemaker:UpdateEndpoint",),
        delete=("sagemaker:DeleteEndpoint",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER_AUTO_NAMED,
    ),
    "aws:appautoscaling/target:Target": TypeActions(
        create=(
            "application-autoscaling:RegisterScalableTarget",
            "application-autoscaling:TagResource",
            "sagemaker:DescribeEndpoint",
            "sagemaker:UpdateEndpointWeightsAndCapacities",
        ),
        read=(
            "application-autoscaling:DescribeScalableTargets",
            "application-autoscaling:ListTagsForResource",
        ),
        update=("application-autoscaling:RegisterScalableTarget",),
        delete=("application-autoscaling:DeregisterScalableTarget",),
        tag=("application-autoscaling:TagResource", "application-autoscaling:UntagResource"),
        scope=SAGEMAKER_AUTO_NAMED,
    ),
    "aws:appautoscaling/policy:Policy": TypeActions(
        create=("application-autoscaling:PutScalingPolicy", "cloudwatch:PutMetricAlarm"),
        read=("application-autoscaling:DescribeScalingPolicies",),
        update=("application-autoscaling:PutScalingPolicy",),
        delete=("application-autoscaling:DeleteScalingPolicy", "cloudwatch:DeleteAlarms"),
        scope=Scope(tagged=True, arns=TARGET_TRACKING_ALARMS),
    ),
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": TypeActions(
        create=("sagemaker:CreateDataQualityJobDefinition", "sagemaker:AddTags"),
        read=("sagemaker:DescribeDataQualityJobDefinition", "sagemaker:ListTags"),
        delete=("sagemaker:DeleteDataQualityJobDefinition",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": TypeActions(
        create=("sagemaker:CreateMonitoringSchedule", "sagemaker:AddTags"),
        read=("sagemaker:DescribeMonitoringSchedule", "sagemaker:ListTags"),
        update=("sagemaker:UpdateMonitoringSchedule",),
        delete=("sagemaker:DeleteMonitoringSchedule",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    # Monitoring
    "aws:cloudwatch/logGroup:LogGroup": TypeActions(
        create=("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey"),
        read=("logs:DescribeLogGroups", "logs:ListTagsForResource"),
        update=("logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey"),
        delete=("logs:DeleteLogGroup",),
        tag=("logs:TagResource", "logs:UntagResource"),
        scope=LOG_GROUPS,
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": TypeActions(
        create=("cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"),
        read=("cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
        update=("cloudwatch:PutMetricAlarm",),
        delete=("cloudwatch:DeleteAlarms",),
        tag=("cloudwatch:TagResource", "cloudwatch:UntagResource"),
        scope=Scope(arns=_regional("cloudwatch", "alarm:{prefix}*")),
    ),
    "aws:cloudwatch/dashboard:Dashboard": TypeActions(
        create=("cloudwatch:PutDashboard",),
        read=("cloudwatch:GetDashboard",),
        update=("cloudwatch:PutDashboard",),
        delete=("cloudwatch:DeleteDashboards",),
        scope=Scope(arns=("arn:{partition}:cloudwatch::{account}:dashboard/{prefix}*",)),
    ),
    "aws:cloudwatch/eventRule:EventRule": TypeActions(
        create=("events:PutRule", "events:TagResource"),
        read=("events:DescribeRule", "events:ListTagsForResource"),
        update=("events:PutRule", "events:EnableRule", "events:DisableRule"),
        delete=("events:DeleteRule",),
        tag=("events:TagResource", "events:UntagResource"),
        scope=Scope(arns=_regional("events", "rule/{prefix}*")),
    ),
    "aws:cloudwatch/eventTarget:EventTarget": TypeActions(
        create=("events:PutTargets",),
        read=("events:ListTargetsByRule",),
        update=("events:PutTargets",),
        delete=("events:RemoveTargets",),
        scope=Scope(arns=_regional("events", "rule/{prefix}*")),
    ),
    # Lifecycle: retraining and batch pipelines, their schedules.
    "aws:sagemaker/pipeline:Pipeline": TypeActions(
        create=("sagemaker:CreatePipeline", "sagemaker:AddTags"),
        read=("sagemaker:DescribePipeline", "sagemaker:ListTags"),
        update=("sagemaker:UpdatePipeline",),
        delete=("sagemaker:DeletePipeline",),
        tag=("sagemaker:AddTags", "sagemaker:DeleteTags"),
        scope=SAGEMAKER,
    ),
    # The baseline copy: a state machine encrypted with the stack's key. Step Functions
    # encrypts the definition with the caller's rights (GenerateDataKey on create and
    # update, Decrypt on the read that follows); the key is named by its stack tag. Log
    # delivery is checked against the machine's own role, which holds those actions.
    "aws:sfn/stateMachine:StateMachine": TypeActions(
        create=("states:CreateStateMachine", "states:TagResource", *SFN_KEY_USE),
        # The provider's read lists the machine's published versions too.
        read=(
            "states:DescribeStateMachine",
            "states:ListStateMachineVersions",
            "states:ListTagsForResource",
        ),
        update=("states:UpdateStateMachine", *SFN_KEY_USE),
        delete=("states:DeleteStateMachine",),
        tag=("states:TagResource", "states:UntagResource"),
        scope=Scope(arns=_regional("states", "stateMachine:{prefix}*"), tagged=True),
    ),
    # Schedules live in the account's default group, named like the stack's pipelines.
    # Amazon Managed Service for Prometheus: ARNs hold random ids (ws-..., s-...), so the
    # stack's workspace, scraper and rule groups are named by the stack tag; an alert
    # manager definition is part of its workspace.
    "aws:amp/workspace:Workspace": TypeActions(
        create=("aps:CreateWorkspace", "aps:TagResource"),
        read=(
            "aps:DescribeWorkspace",
            "aps:DescribeWorkspaceConfiguration",
            "aps:DescribeLoggingConfiguration",
            "aps:ListTagsForResource",
        ),
        update=("aps:UpdateWorkspaceAlias", "aps:UpdateWorkspaceConfiguration"),
        delete=("aps:DeleteWorkspace",),
        tag=("aps:TagResource", "aps:UntagResource"),
        scope=Scope(tagged=True),
    ),
    "aws:amp/scraper:Scraper": TypeActions(
        create=("aps:CreateScraper", "aps:TagResource"),
        read=("aps:DescribeScraper", "aps:ListTagsForResource"),
        update=("aps:UpdateScraper",),
        delete=("aps:DeleteScraper",),
        tag=("aps:TagResource", "aps:UntagResource"),
        scope=Scope(tagged=True),
    ),
    "aws:amp/ruleGroupNamespace:RuleGroupNamespace": TypeActions(
        create=("aps:CreateRuleGroupsNamespace", "aps:TagResource"),
        read=("aps:DescribeRuleGroupsNamespace", "aps:ListTagsForResource"),
        update=("aps:PutRuleGroupsNamespace",),
        delete=("aps:DeleteRuleGroupsNamespace",),
        tag=("aps:TagResource", "aps:UntagResource"),
        scope=Scope(tagged=True),
    ),
    "aws:amp/alertManagerDefinition:AlertManagerDefinition": TypeActions(
        create=("aps:CreateAlertManagerDefinition",),
        read=("aps:DescribeAlertManagerDefinition",),
        update=("aps:PutAlertManagerDefinition",),
        delete=("aps:DeleteAlertManagerDefinition",),
        scope=Scope(tagged=True),
    ),
    "aws:scheduler/schedule:Schedule": TypeActions(
        create=("scheduler:CreateSchedule",),
        read=("scheduler:GetSchedule",),
        update=("scheduler:UpdateSchedule",),
        delete=("scheduler:DeleteSchedule",),
        scope=Scope(arns=_regional("scheduler", "schedule/default/{prefix}*")),
    ),
    "aws:sns/topic:Topic": TypeActions(
        create=("sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource"),
        read=("sns:GetTopicAttributes", "sns:ListTagsForResource"),
        update=("sns:SetTopicAttributes",),
        delete=("sns:DeleteTopic",),
        tag=("sns:TagResource", "sns:UntagResource"),
        scope=Scope(arns=_regional("sns", "{prefix}*")),
    ),
    "aws:sns/topicPolicy:TopicPolicy": TypeActions(
        create=("sns:SetTopicAttributes",),
        read=("sns:GetTopicAttributes",),
        update=("sns:SetTopicAttributes",),
        delete=("sns:SetTopicAttributes",),
        scope=Scope(arns=_regional("sns", "{prefix}*")),
    ),
    "aws:sns/topicSubscription:TopicSubscription": TypeActions(
        create=("sns:Subscribe",),
        read=("sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic"),
        update=("sns:SetSubscriptionAttributes",),
        delete=("sns:Unsubscribe",),
        scope=Scope(arns=_regional("sns", "{prefix}*")),
    ),
    # Promotion: EventBridge to GitHub, its dead-letter queue; model-quality stacks.
    "aws:cloudwatch/eventConnection:EventConnection": TypeActions(
        # EventBridge keeps the connection's credentials in a secret it creates with the
        # caller's rights, named after the connection.
        create=(
            "events:CreateConnection",
            "secretsmanager:CreateSecret",
            "secretsmanager:PutSecretValue",
            "secretsmanager:TagResource",
        ),
        read=("events:DescribeConnection", "secretsmanager:DescribeSecret"),
        update=(
            "events:UpdateConnection",
            "secretsmanager:UpdateSecret",
            "secretsmanager:PutSecretValue",
        ),
        delete=("events:DeleteConnection", "secretsmanager:DeleteSecret"),
        scope=Scope(
            arns=(
                *_regional("events", "connection/{prefix}*"),
                *_regional("secretsmanager", "secret:events!connection/{prefix}*"),
            )
        ),
    ),
    "aws:cloudwatch/eventApiDestination:EventApiDestination": TypeActions(
        create=("events:CreateApiDestination",),
        read=("events:DescribeApiDestination",),
        update=("events:UpdateApiDestination",),
        delete=("events:DeleteApiDestination",),
        scope=Scope(arns=_regional("events", "api-destination/{prefix}*")),
    ),
    "aws:sqs/queue:Queue": TypeActions(
        create=("sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes"),
        read=("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"),
        update=("sqs:SetQueueAttributes",),
        delete=("sqs:DeleteQueue",),
        tag=("sqs:TagQueue", "sqs:UntagQueue"),
        scope=Scope(arns=_regional("sqs", "{prefix}*")),
    ),
    "aws:sqs/queuePolicy:QueuePolicy": TypeActions(
        create=("sqs:SetQueueAttributes",),
        read=("sqs:GetQueueAttributes",),
        update=("sqs:SetQueueAttributes",),
        delete=("sqs:SetQueueAttributes",),
        scope=Scope(arns=_regional("sqs", "{prefix}*")),
    ),
    # CloudFormation creates a stack's resources with the caller's rights (no service role
    # is passed to it), so those resources need their own rows' actions too.
    "aws:cloudformation/stack:Stack": TypeActions(
        create=("cloudformation:CreateStack", "cloudformation:TagResource"),
        read=(
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "cloudformation:GetTemplate",
        ),
        update=("cloudformation:UpdateStack",),
        delete=("cloudformation:DeleteStack",),
        tag=("cloudformation:TagResource", "cloudformation:UntagResource"),
        scope=Scope(arns=_regional("cloudformation", "stack/{prefix}*/*")),
    ),
    # In-VPC CI runner
    "aws:codebuild/project:Project": TypeActions(
        create=("codebuild:CreateProject",),
        read=("codebuild:BatchGetProjects",),
        update=("codebuild:UpdateProject",),
        delete=("codebuild:DeleteProject",),
        scope=Scope(arns=_regional("codebuild", "project/{prefix}*")),
    ),
    "aws:codebuild/webhook:Webhook": TypeActions(
        create=("codebuild:CreateWebhook",),
        read=("codebuild:BatchGetProjects",),
        update=("codebuild:UpdateWebhook",),
        delete=("codebuild:DeleteWebhook",),
        scope=Scope(arns=_regional("codebuild", "project/{prefix}*")),
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": TypeActions(
        create=("ec2:AuthorizeSecurityGroupEgress", "ec2:CreateTags"),
        read=("ec2:DescribeSecurityGroupRules",),
        update=("ec2:ModifySecurityGroupRules",),
        delete=("ec2:RevokeSecurityGroupEgress",),
        tag=("ec2:CreateTags", "ec2:DeleteTags"),
        scope=EC2,
    ),
    "aws:budgets/budget:Budget": TypeActions(
        create=("budgets:ModifyBudget", "budgets:TagResource"),
        read=("budgets:ViewBudget", "budgets:ListTagsForResource"),
        update=("budgets:ModifyBudget",),
        delete=("budgets:ModifyBudget",),
        tag=("budgets:TagResource", "budgets:UntagResource"),
        scope=Scope(arns=("arn:{partition}:budgets::{account}:budget/{prefix}*",)),
    ),
}

# Reads any `pulumi preview` or `pulumi up` makes, whatever the stack holds: the caller's
# identity and the region's zones and public parameters (AMI ids for node groups).
PROGRAM_READS = (
    "sts:GetCallerIdentity",
    "ec2:DescribeAvailabilityZones",
    "ssm:GetParameter",
    "ssm:GetParameters",
)


def actions_of(types: Iterable[str]) -> dict[str, TypeActions]:
    """The table's rows of `types` (types outside `aws:` are not AWS API calls).

    Raises KeyError naming the types the table lacks: a plan must never outgrow its roles.
    """
    aws_types = sorted({t for t in types if t.startswith("aws:")})
    missing = [t for t in aws_types if t not in ACTIONS_BY_TYPE]
    if missing:
        raise KeyError(f"no IAM actions recorded for {missing} in components/permissions.py")
    return {t: ACTIONS_BY_TYPE[t] for t in aws_types}


def fill(template: str, **values: Any) -> str:
    """An ARN or condition template with the stack's values filled in."""
    return template.format(**values)
