"""CiAccess: the IAM roles GitHub Actions assumes over OIDC to preview and deploy a stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .aws_context import AwsIdentity, aws_identity
from .context import STACK_TAG, Deployment
from .iam import Statement, policy_document, service_role

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"

# Services whose configuration `pulumi preview --refresh` reads. Describe/Get/List only:
# reading objects, secrets or parameters (data, not configuration) is not granted.
READ_ACTIONS = (
    "application-autoscaling:Describe*",
    "cloudwatch:Describe*",
    "cloudwatch:GetDashboard",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListDashboards",
    "cloudwatch:ListTagsForResource",
    "codebuild:BatchGetProjects",
    "ec2:Describe*",
    "ec2:GetLaunchTemplateData",
    "ecr:BatchGetRepositoryScanningConfiguration",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRegistryPolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "eks:Describe*",
    "eks:List*",
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:GetTags",
    "iam:GetInstanceProfile",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListOpenIDConnectProviders",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:ListAllMyBuckets",
    "sagemaker:Describe*",
    "sagemaker:GetModelPackageGroupPolicy",
    "sagemaker:List*",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "sts:GetCallerIdentity",
)

# AWS managed policies a deploy role must never be able to hand out.
FORBIDDEN_POLICY_PATTERNS = (
    "arn:aws:iam::aws:policy/AdministratorAccess*",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/*FullAccess*",
)

# Services the platform's resources are handed roles for (iam:PassRole).
PASS_ROLE_SERVICES = (
    "codebuild.amazonaws.com",
    "ec2.amazonaws.com",
    "eks.amazonaws.com",
    "pods.eks.amazonaws.com",
    "sagemaker.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
    "events.amazonaws.com",
)

# Service-linked roles AWS creates the first time a service is used in an account.
SERVICE_LINKED_ROLES = (
    "eks.amazonaws.com",
    "eks-nodegroup.amazonaws.com",
    "autoscaling.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "spot.amazonaws.com",
    "sagemaker.application-autoscaling.amazonaws.com",
)


@dataclass
class CiAccessArgs:
    """Inputs of CiAccess.

    Args:
        github_repository: `owner/repo` whose workflows may assume the roles.
        deploy_environment: GitHub environment whose jobs may deploy (reviewers and branch
            rules are enforced by GitHub on that environment).
        branch: Branch that deploys come from.
        allow_branch_deploys: Also trust jobs on `branch` that run without an environment.
        create_oidc_provider: Create the account's GitHub OIDC provider; otherwise trust an
            existing one (`oidc_provider_arn`, or the account's provider at GitHub's URL).
        oidc_provider_arn: Existing GitHub OIDC provider to trust.
        state_bucket: Bucket of a self-managed Pulumi backend (state objects read/written).
        secrets_kms_key_arn: Key of an awskms:// Pulumi secrets provider.
        deploy_managed_policy_arns: Further managed policies for the deploy role.
        max_session_seconds: Longest session a workflow job may hold.
        readable_secrets: Secrets (names or ARNs in the stack's region) the deploy reads:
            the promotion dispatch token.
        preview_environments: GitHub environments whose jobs may also assume the read-only
            preview role (the promote workflow reads the model registry from one).
    """

    github_repository: str
    deploy_environment: str
    branch: str = "main"
    allow_branch_deploys: bool = False
    create_oidc_provider: bool = True
    oidc_provider_arn: str | None = None
    state_bucket: str | None = None
    secrets_kms_key_arn: pulumi.Input[str] | None = None
    deploy_managed_policy_arns: Sequence[str] = field(default_factory=list)
    max_session_seconds: int = 3600
    preview_environments: Sequence[str] = ()
    readable_secrets: Sequence[str] = ()


def github_subjects(args: CiAccessArgs) -> tuple[list[str], list[str]]:
    """The exact OIDC `sub` claims the preview and the deploy role accept."""
    repo = f"repo:{args.github_repository}"
    preview = [f"{repo}:pull_request"]
    preview += [f"{repo}:environment:{e}" for e in args.preview_environments]
    deploy = [f"{repo}:environment:{args.deploy_environment}"]
    if args.allow_branch_deploys:
        deploy.append(f"{repo}:ref:refs/heads/{args.branch}")
    return preview, deploy


def github_trust_policy(provider_arn: pulumi.Input[str], subjects: Sequence[str]) -> Any:
    """Trust GitHub's OIDC tokens for STS whose subject is exactly one of `subjects`."""
    return policy_document(
        [
            {
                "Sid": "GithubActionsOidc",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": subjects[0]
                        if len(subjects) == 1
                        else list(subjects),
                    }
                },
            }
        ]
    )


def backend_statements(args: CiAccessArgs, partition: pulumi.Input[str]) -> list[Statement]:
    """State objects of a self-managed backend and the secrets-provider key, if any."""
    statements: list[Statement] = []
    if args.state_bucket:
        bucket = pulumi.Output.concat("arn:", partition, ":s3:::", args.state_bucket)
        statements += [
            {
                "Sid": "PulumiStateBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": bucket,
            },
            {
                "Sid": "PulumiStateObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": pulumi.Output.concat(bucket, "/.pulumi/*"),
            },
        ]
    if args.secrets_kms_key_arn:
        statements.append(
            {
                "Sid": "PulumiSecretsProvider",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": args.secrets_kms_key_arn,
            }
        )
    return statements


def preview_statements(args: CiAccessArgs, ident: AwsIdentity) -> list[Statement]:
    """Read the configuration of the platform's services; change nothing."""
    return [
        {
            "Sid": "ReadPlatformConfiguration",
            "Effect": "Allow",
            "Action": list(READ_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": "ReadAwsPublicParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter", "ssm:GetParameters"],
            "Resource": pulumi.Output.concat(
                "arn:", ident.partition, ":ssm:", ident.region, "::parameter/aws/service/*"
            ),
        },
        *backend_statements(args, ident.partition),
    ]


def deploy_statements(
    args: CiAccessArgs, ident: AwsIdentity, deployment: Deployment, ci_role_names: Sequence[str]
) -> list[Statement]:
    """Manage the platform's services, in this account and region, under its names.

    Physical names carry the stack's prefix (`mlops-<stack>-`), which scopes S3 and IAM;
    regional services are scoped to the stack's account and region. The role cannot
    change the CI roles themselves (that would let a workflow widen its own rights) nor
    attach administrator or *FullAccess policies to any role.
    """
    arns = _Arns(ident, deployment.name(""))
    return [
        *preview_statements(args, ident),
        *_identity_statements(arns),
        *_regional_statements(arns),
        *_lifecycle_statements(args, arns),
        *_guardrail_statements(arns, deployment, ci_role_names),
    ]


def _lifecycle_statements(args: CiAccessArgs, arns: _Arns) -> list[Statement]:
    """EventBridge, SQS and CloudFormation resources under the stack's names, and the
    secrets of EventBridge connections (which EventBridge creates with the caller's rights)."""
    prefix = arns.prefix
    statements: list[Statement] = [
        {
            "Sid": "ManageLifecycleWiring",
            "Effect": "Allow",
            "Action": ["events:*", "sqs:*", "cloudformation:*"],
            "Resource": [
                arns.regional("events", f"rule/{prefix}*"),
                arns.regional("events", f"connection/{prefix}*"),
                arns.regional("events", f"api-destination/{prefix}*"),
                arns.regional("sqs", f"{prefix}*"),
                arns.regional("cloudformation", f"stack/{prefix}*/*"),
            ],
        },
        {
            "Sid": "EventBridgeConnectionSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:CreateSecret",
                "secretsmanager:UpdateSecret",
                "secretsmanager:DeleteSecret",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:TagResource",
            ],
            "Resource": arns.regional("secretsmanager", "secret:events!connection/*"),
        },
    ]
    if args.readable_secrets:
        statements.append(
            {
                "Sid": "ReadNamedSecrets",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                # A name matches its secret's ARN: the name, '-' and 6 random characters.
                "Resource": [
                    s
                    if s.startswith("arn:")
                    else arns.regional("secretsmanager", f"secret:{s}-??????")
                    for s in args.readable_secrets
                ],
            }
        )
    return statements


@dataclass(frozen=True)
class _Arns:
    """ARN builders for one account, region and name prefix."""

    ident: AwsIdentity
    prefix: str

    def regional(self, service: str, resource: str = "*") -> pulumi.Output[str]:
        i = self.ident
        return pulumi.Output.concat(
            "arn:", i.partition, ":", service, ":", i.region, ":", i.account_id, ":", resource
        )

    def iam(self, resource: str) -> pulumi.Output[str]:
        i = self.ident
        return pulumi.Output.concat("arn:", i.partition, ":iam::", i.account_id, ":", resource)

    def s3(self, resource: str) -> pulumi.Output[str]:
        return pulumi.Output.concat("arn:", self.ident.partition, ":s3:::", resource)

    @property
    def in_region(self) -> dict[str, Any]:
        return {"StringEquals": {"aws:RequestedRegion": self.ident.region}}


def _identity_statements(arns: _Arns) -> list[Statement]:
    """The stack's buckets, roles and policies (by name prefix) and the OIDC provider."""
    return [
        *_bucket_statements(arns),
        *_stack_role_statements(arns),
        *_pass_role_statements(arns),
        *_oidc_provider_statements(arns),
    ]


def _bucket_statements(arns: _Arns) -> list[Statement]:
    """Everything on the stack's buckets (named with its prefix) and their objects."""
    prefix = arns.prefix
    return [
        {
            "Sid": "ManageStackBuckets",
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": [
                arns.s3(f"{prefix}*"),
                arns.s3(f"{prefix}*/*"),
            ],
        },
    ]


def _stack_role_statements(arns: _Arns) -> list[Statement]:
    """Create, change and delete the stack's roles, policies and instance profiles."""
    prefix, iam = arns.prefix, arns.iam
    return [
        {
            "Sid": "ManageStackRolesAndPolicies",
            "Effect": "Allow",
            "Action": [
                "iam:AttachRolePolicy",
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:CreateRole",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePolicy",
                "iam:TagPolicy",
                "iam:TagRole",
                "iam:UntagPolicy",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
            ],
            "Resource": [
                iam(f"role/{prefix}*"),
                iam(f"policy/{prefix}*"),
                iam(f"instance-profile/{prefix}*"),
            ],
        },
    ]


def _pass_role_statements(arns: _Arns) -> list[Statement]:
    """Hand the stack's roles to the platform's services, and create their linked roles."""
    prefix, iam = arns.prefix, arns.iam
    return [
        {
            "Sid": "PassStackRolesToPlatformServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": iam(f"role/{prefix}*"),
            "Condition": {"StringEquals": {"iam:PassedToService": list(PASS_ROLE_SERVICES)}},
        },
        {
            "Sid": "CreatePlatformServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": iam("role/aws-service-role/*"),
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
        },
    ]


def _oidc_provider_statements(arns: _Arns) -> list[Statement]:
    """Manage the account's GitHub OIDC provider (CiAccess may create it)."""
    return [
        {
            "Sid": "ManageGithubOidcProvider",
            "Effect": "Allow",
            "Action": [
                "iam:CreateOpenIDConnectProvider",
                "iam:DeleteOpenIDConnectProvider",
                "iam:TagOpenIDConnectProvider",
                "iam:UntagOpenIDConnectProvider",
                "iam:UpdateOpenIDConnectProviderThumbprint",
                "iam:AddClientIDToOpenIDConnectProvider",
            ],
            "Resource": arns.iam(f"oidc-provider/{GITHUB_OIDC_HOST}"),
        },
    ]


def _regional_statements(arns: _Arns) -> list[Statement]:
    """Keys, network and nodes, and the platform's regional services, in this region."""
    return [*_key_statements(arns), *_network_statements(arns), *_service_statements(arns)]


def _key_statements(arns: _Arns) -> list[Statement]:
    """Create and use KMS keys in this region (key ARNs are random: scoped by region)."""
    in_region = arns.in_region
    return [
        {
            "Sid": "ManageKeys",
            "Effect": "Allow",
            "Action": [
                "kms:CreateKey",
                "kms:CreateAlias",
                "kms:DeleteAlias",
                "kms:UpdateAlias",
                "kms:EnableKeyRotation",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
                "kms:CreateGrant",
                "kms:RetireGrant",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ],
            "Resource": "*",
            "Condition": in_region,
        },
    ]


def _network_statements(arns: _Arns) -> list[Statement]:
    """The VPC, its endpoints and the cluster's nodes, in this region."""
    in_region = arns.in_region
    return [
        {
            "Sid": "ManageNetworkAndNodes",
            "Effect": "Allow",
            "Action": [
                "ec2:AllocateAddress",
                "ec2:ReleaseAddress",
                "ec2:Associate*",
                "ec2:Disassociate*",
                "ec2:AttachInternetGateway",
                "ec2:DetachInternetGateway",
                "ec2:AuthorizeSecurityGroup*",
                "ec2:RevokeSecurityGroup*",
                "ec2:ModifySecurityGroupRules",
                "ec2:UpdateSecurityGroupRuleDescriptions*",
                "ec2:Create*",
                "ec2:Delete*",
                "ec2:Modify*",
                "ec2:ReplaceRoute",
                "ec2:ReplaceRouteTableAssociation",
                "ec2:RunInstances",
            ],
            "Resource": "*",
            "Condition": in_region,
        },
    ]


def _github_connection_statement(in_region: dict[str, Any]) -> Statement:
    """The CI runner project is saved with the GitHub connection (set up by an
    administrator); the deploy role may hand it to CodeBuild, not change it."""
    return {
        "Sid": "PassGithubConnectionToCodeBuild",
        "Effect": "Allow",
        "Action": [
            "codeconnections:PassConnection",
            "codeconnections:UseConnection",
            "codestar-connections:PassConnection",
            "codestar-connections:UseConnection",
        ],
        "Resource": "*",
        "Condition": in_region,
    }


def _service_statements(arns: _Arns) -> list[Statement]:
    """The platform's regional services, in this account and region."""
    regional, in_region = arns.regional, arns.in_region
    return [
        {
            "Sid": "ManagePlatformServices",
            "Effect": "Allow",
            "Action": [
                "eks:*",
                "sagemaker:*",
                "ecr:*",
                "logs:*",
                "sns:*",
                "glue:*",
                "cloudwatch:*",
                "codebuild:*",
            ],
            "Resource": [
                regional("eks"),
                regional("sagemaker"),
                regional("ecr"),
                regional("logs"),
                regional("sns"),
                regional("glue"),
                regional("cloudwatch"),
                regional("codebuild"),
                pulumi.Output.concat(
                    "arn:",
                    arns.ident.partition,
                    ":cloudwatch::",
                    arns.ident.account_id,
                    ":dashboard/*",
                ),
            ],
        },
        _github_connection_statement(in_region),
        {
            "Sid": "ServiceCallsWithoutResourceArns",
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "application-autoscaling:*",
                "cloudwatch:PutDashboard",
                "cloudwatch:DeleteDashboards",
            ],
            "Resource": "*",
            "Condition": in_region,
        },
    ]


def _guardrail_statements(
    arns: _Arns, deployment: Deployment, ci_role_names: Sequence[str]
) -> list[Statement]:
    """Denies that no allow above can override: broad policies, other stacks, the CI roles."""
    iam = arns.iam
    return [
        {
            "Sid": "NeverHandOutBroadPolicies",
            "Effect": "Deny",
            "Action": ["iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
            "Resource": "*",
            "Condition": {"ArnLike": {"iam:PolicyARN": list(FORBIDDEN_POLICY_PATTERNS)}},
        },
        *_other_stacks_deny(deployment),
        {
            "Sid": "NeverChangeCiRoles",
            "Effect": "Deny",
            "NotAction": ["iam:Get*", "iam:List*"],
            "Resource": [iam(f"role/{name}") for name in ci_role_names],
        },
    ]


def _other_stacks_deny(deployment: Deployment) -> list[Statement]:
    """Where stacks share an account, never delete or change another stack's EC2 resources
    (the EC2 statement above cannot be scoped by name)."""
    return [
        {
            "Sid": "NeverTouchOtherStacksEc2",
            "Effect": "Deny",
            "Action": ["ec2:Delete*", "ec2:Modify*", "ec2:TerminateInstances"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {f"aws:ResourceTag/{STACK_TAG}": deployment.stack},
                "Null": {f"aws:ResourceTag/{STACK_TAG}": "false"},
            },
        }
    ]


class CiAccess(pulumi.ComponentResource):
    """GitHub Actions access to one stack, without long-lived keys.

    Creates (or reuses) the account's GitHub OIDC provider and two roles. The preview role
    is trusted by pull-request jobs of the repository only and can read the configuration
    of the platform's services (what `pulumi preview --refresh` needs), plus the Pulumi
    state and secrets key when a self-managed backend is configured. The deploy role is
    trusted by jobs in the stack's GitHub environment only (reviewers and branch rules are
    GitHub's) and can manage the platform's services in this account and region under the
    stack's names; it cannot change the CI roles or attach administrator policies, so a
    workflow cannot widen its own rights: changes to this component are applied by an
    administrator.

    Outputs:
        oidc_provider_arn: The GitHub OIDC provider trusted by both roles.
        preview_role_arn: Role for `pulumi preview` from pull requests.
        deploy_role_arn: Role for `pulumi up` from the GitHub environment.
        role_grants: The roles and the policies granting them, for what AWS checks against
            the roles (not an Output).
    """

    oidc_provider_arn: pulumi.Output[str]
    preview_role_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]
    role_grants: list[pulumi.Resource]

    def __init__(
        self,
        name: str,
        args: CiAccessArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:ci:CiAccess", name, None, opts)
        ident = aws_identity()

        provider_arn = self._oidc_provider_arn(name, args, deployment, ident)

        preview_subjects, deploy_subjects = github_subjects(args)
        preview_name = deployment.name("ci-preview")
        deploy_name = deployment.name("ci-deploy")

        preview = service_role(
            f"{name}-preview",
            deployment,
            role_name=preview_name,
            parent=self,
            trust_policy=github_trust_policy(provider_arn, preview_subjects),
            statements=preview_statements(args, ident),
            description=f"pulumi preview of {deployment.stack} from pull requests of "
            f"{args.github_repository}",
            max_session_seconds=args.max_session_seconds,
        )
        deploy = service_role(
            f"{name}-deploy",
            deployment,
            role_name=deploy_name,
            parent=self,
            trust_policy=github_trust_policy(provider_arn, deploy_subjects),
            statements=deploy_statements(args, ident, deployment, [preview_name, deploy_name]),
            managed_policies=args.deploy_managed_policy_arns,
            description=f"pulumi up of {deployment.stack} from the GitHub environment "
            f"{args.deploy_environment} of {args.github_repository}",
            max_session_seconds=args.max_session_seconds,
            # Deployed stacks have these attachments as `...-managed-<index>`.
            indexed_attachment_aliases=True,
        )

        self.oidc_provider_arn = provider_arn
        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.role_grants = [*preview.ready, *deploy.ready]
        self.register_outputs(
            {
                "oidc_provider_arn": self.oidc_provider_arn,
                "preview_role_arn": self.preview_role_arn,
                "deploy_role_arn": self.deploy_role_arn,
            }
        )

    def _oidc_provider_arn(
        self, name: str, args: CiAccessArgs, deployment: Deployment, ident: AwsIdentity
    ) -> pulumi.Output[str]:
        """The GitHub OIDC provider's ARN: created here, given, or the account's by URL."""
        if args.create_oidc_provider:
            # One provider per account and URL; it outlives any one stack using it.
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github",
                url=GITHUB_OIDC_URL,
                client_id_lists=[STS_AUDIENCE],
                tags=deployment.tagged(GITHUB_OIDC_HOST),
                # Other stacks in the account trust this provider by ARN: deleting one stack must
                # never take it away from them, so it is retained in every environment.
                opts=pulumi.ResourceOptions(
                    parent=self, protect=deployment.protect_stateful, retain_on_delete=True
                ),
            )
            return provider.arn
        if args.oidc_provider_arn is not None:
            return pulumi.Output.from_input(args.oidc_provider_arn)
        return pulumi.Output.concat(
            "arn:",
            ident.partition,
            ":iam::",
            ident.account_id,
            ":oidc-provider/",
            GITHUB_OIDC_HOST,
        )
