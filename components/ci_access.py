"""CiAccess: the IAM roles GitHub Actions assumes over OIDC to preview and deploy a stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from .aws_context import AwsIdentity, aws_identity
from .ci_permissions import (
    StackScope,
    program_read_statements,
    stack_tag_denies,
    type_statements,
)
from .context import Deployment
from .iam import ServiceRole, Statement, policy_document, service_role, split_statements
from .output_values import concat

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"

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
    "events.amazonaws.com",
    "pods.eks.amazonaws.com",
    "sagemaker.amazonaws.com",
    "scheduler.amazonaws.com",
    "states.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
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
        managed_types: Pulumi types of the stack's resources (`aws:s3/bucket:Bucket`, ...):
            the deploy role manages and the preview role reads exactly these types.
        role_boundary_arn: Permissions boundary every role the deploy role creates or
            changes must carry; None lets it create no role.
        ci_role_boundary_arn: Boundary the CI roles themselves carry (an organisation's).
        project: Pulumi project name (the state backend's object keys).
        readable_secrets: Secrets (names or ARNs in the stack's region) the deploy reads:
            the promotion dispatch token.
        preview_environments: GitHub environments whose jobs may also assume the read-only
            preview role (the promote workflow reads the model registry from one).
        runner_connection_arn: CodeConnections connection the stack's CI runner project is
            saved with (set up by an administrator): the deploy role may hand it to
            CodeBuild, not change it.
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
    managed_types: Sequence[str] = ()
    role_boundary_arn: pulumi.Input[str] | None = None
    ci_role_boundary_arn: str | None = None
    project: str = "mlops-platform"
    preview_environments: Sequence[str] = ()
    readable_secrets: Sequence[str] = ()
    runner_connection_arn: str | None = None


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


def state_statements(args: CiAccessArgs, scope: StackScope, *, write: bool) -> list[Statement]:
    """The stack's objects in a self-managed backend, and the secrets key if one is used.

    The preview role (pull-request code) reads the stack's state and may only create and
    remove its lock: it cannot write or delete state, and may only decrypt. The deploy role
    writes the stack's state, history and backups. Other stacks' objects are not named.
    """
    statements: list[Statement] = []
    if args.state_bucket:
        bucket = scope.fill(f"arn:{{partition}}:s3:::{args.state_bucket}")
        keys = state_object_keys(args.project, scope.stack)
        readable = keys["read"] + (keys["write"] if write else [])
        writable = keys["lock"] + (keys["write"] if write else [])
        statements += [
            {
                "Sid": "PulumiStateBucket",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": bucket,
            },
            {
                "Sid": "PulumiStateRead",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": [concat(bucket, "/", key) for key in readable],
            },
            {
                "Sid": "PulumiStateWrite" if write else "PulumiStateLock",
                "Effect": "Allow",
                "Action": ["s3:DeleteObject", "s3:PutObject"],
                "Resource": [concat(bucket, "/", key) for key in writable],
            },
        ]
    if args.secrets_kms_key_arn:
        statements.append(
            {
                "Sid": "PulumiSecretsProvider",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
                if write
                else "kms:Decrypt",
                "Resource": args.secrets_kms_key_arn,
            }
        )
    return statements


def state_object_keys(project: str, stack: str) -> dict[str, list[str]]:
    """Object keys of one stack in a Pulumi DIY backend (project-scoped layout)."""
    return {
        "read": [".pulumi/meta.yaml", f".pulumi/stacks/{project}/{stack}.json*"],
        "lock": [f".pulumi/locks/organization/{project}/{stack}/*"],
        "write": [
            f".pulumi/stacks/{project}/{stack}.json*",
            f".pulumi/history/{project}/{stack}/*",
            f".pulumi/backups/{project}/{stack}/*",
        ],
    }


def preview_statements(args: CiAccessArgs, scope: StackScope) -> list[Statement]:
    """Read the stack's resources of the types it creates, and its state; change nothing."""
    return [
        *program_read_statements(scope),
        *type_statements(args.managed_types, scope, None, write=False),
        *state_statements(args, scope, write=False),
    ]


def deploy_statements(
    args: CiAccessArgs, scope: StackScope, protected: ProtectedResources
) -> list[Statement]:
    """Manage the stack's resources of the types it creates, and nothing of other stacks.

    Roles it creates or changes must carry the platform's permissions boundary; it cannot
    change the boundary, the CI roles or the OIDC provider (an administrator applies those),
    hand out broad managed policies, remove a boundary or assume a role.
    """
    return [*deploy_allow_statements(args, scope), *guardrail_statements(args, scope, protected)]


def deploy_allow_statements(args: CiAccessArgs, scope: StackScope) -> list[Statement]:
    """What the deploy role may do (its denies are `guardrail_statements`)."""
    boundary = args.role_boundary_arn
    return [
        *program_read_statements(scope),
        *type_statements(args.managed_types, scope, boundary, write=True),
        *pass_role_statements(scope),
        *state_statements(args, scope, write=True),
        *secret_statements(args, scope),
    ]


def _literal(text: str) -> str:
    """`text` inside an ARN template, braces kept as they are."""
    return text.replace("{", "{{").replace("}", "}}")


def secret_statements(args: CiAccessArgs, scope: StackScope) -> list[Statement]:
    """The named secrets the deploy reads (the promotion dispatch token) and the CI runner's
    GitHub connection."""
    statements: list[Statement] = []
    if args.runner_connection_arn:
        statements.append(
            {
                "Sid": "PassGithubConnectionToCodeBuild",
                "Effect": "Allow",
                "Action": [
                    "codeconnections:PassConnection",
                    "codeconnections:UseConnection",
                    "codestar-connections:PassConnection",
                    "codestar-connections:UseConnection",
                ],
                "Resource": args.runner_connection_arn,
            }
        )
    if not args.readable_secrets:
        return statements
    pattern = "arn:{partition}:secretsmanager:{region}:{account}:secret:"
    return [
        *statements,
        {
            "Sid": "ReadNamedSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            # A name matches its secret's ARN: the name, '-' and 6 random characters.
            "Resource": [
                s if s.startswith("arn:") else scope.fill(pattern + _literal(s) + "-??????")
                for s in args.readable_secrets
            ],
        },
    ]


def pass_role_statements(scope: StackScope) -> list[Statement]:
    """Hand the stack's roles to the platform's services, and create their linked roles."""
    return [
        {
            "Sid": "PassStackRolesToPlatformServices",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": scope.fill("arn:{partition}:iam::{account}:role/{prefix}*"),
            "Condition": {"StringEquals": {"iam:PassedToService": list(PASS_ROLE_SERVICES)}},
        },
        {
            "Sid": "CreatePlatformServiceLinkedRoles",
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": scope.fill("arn:{partition}:iam::{account}:role/aws-service-role/*"),
            "Condition": {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}},
        },
    ]


@dataclass(frozen=True)
class ProtectedResources:
    """What only an administrator changes: the CI roles, the OIDC provider, the boundary."""

    ci_role_arns: Sequence[pulumi.Input[str]]
    ci_policy_arns: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    boundary_arn: pulumi.Input[str] | None

    @property
    def arns(self) -> list[pulumi.Input[str]]:
        boundary = [self.boundary_arn] if self.boundary_arn is not None else []
        return [*self.ci_role_arns, self.ci_policy_arns, self.oidc_provider_arn, *boundary]


def stack_scope(ident: AwsIdentity, deployment: Deployment) -> StackScope:
    """What fills the permission table's templates for this account, region and stack."""
    return StackScope(
        ident.partition, ident.region, ident.account_id, deployment.name_prefix, deployment.stack
    )


def protected_resources(
    args: CiAccessArgs, scope: StackScope, ci_role_names: Sequence[str]
) -> ProtectedResources:
    """The CI roles and their policies, the account's OIDC provider and the boundary."""
    iam = "arn:{partition}:iam::{account}:"
    return ProtectedResources(
        ci_role_arns=[scope.fill(f"{iam}role/{name}") for name in ci_role_names],
        ci_policy_arns=scope.fill(iam + "policy/{prefix}ci-*"),
        # The account's provider is named by GitHub's host, whoever created it.
        oidc_provider_arn=scope.fill(f"{iam}oidc-provider/{GITHUB_OIDC_HOST}"),
        boundary_arn=args.role_boundary_arn,
    )


def guardrail_statements(
    args: CiAccessArgs, scope: StackScope, protected: ProtectedResources
) -> list[Statement]:
    """Denies no allow can override: a workflow can never widen its own or a role's rights."""
    # The CI roles' own policies would carry their rights over to a new role.
    broad: list[pulumi.Input[str]] = [*FORBIDDEN_POLICY_PATTERNS, protected.ci_policy_arns]
    if protected.boundary_arn is not None:
        # Attached as a permissions policy, the boundary would grant all it allows.
        broad.append(protected.boundary_arn)
    return [
        {
            "Sid": "NeverHandOutBroadPolicies",
            "Effect": "Deny",
            "Action": ["iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"],
            "Resource": "*",
            "Condition": {"ArnLike": {"iam:PolicyARN": broad}},
        },
        {
            "Sid": "NeverChangeAccessControl",
            "Effect": "Deny",
            "NotAction": ["iam:Get*", "iam:List*"],
            "Resource": protected.arns,
        },
        {
            "Sid": "NeverRemoveBoundaries",
            "Effect": "Deny",
            "Action": "iam:DeleteRolePermissionsBoundary",
            "Resource": "*",
        },
        {
            # A role the deploy role creates could trust it; assuming it would step outside
            # the deploy role's own statements (the boundary still applies, but no more).
            "Sid": "NeverAssumeRoles",
            "Effect": "Deny",
            "Action": "sts:AssumeRole",
            "Resource": "*",
        },
        *stack_tag_denies(args.managed_types, scope.stack),
    ]


class CiAccess(pulumi.ComponentResource):
    """GitHub Actions access to one stack, without long-lived keys.

    Creates (or reuses) the account's GitHub OIDC provider and two roles. The preview role
    is trusted by pull-request jobs of the repository only and can read the configuration
    of the platform's services (what `pulumi preview --refresh` needs), plus the Pulumi
    state and secrets key when a self-managed backend is configured. The deploy role is
    trusted by jobs in the stack's GitHub environment only (reviewers and branch rules are
    GitHub's). Both roles' statements are derived from the resource types the stack
    creates (`args.managed_types`, `components/permissions.py`) and name only the stack's
    own resources, by name prefix or `stack` tag. Roles the deploy role creates must carry
    the permissions boundary; it cannot change the CI roles, the OIDC provider or the
    boundary, so a workflow cannot widen its own rights: changes to this component and
    the boundary are applied by an administrator.

    Outputs:
        oidc_provider_arn: The GitHub OIDC provider trusted by both roles.
        preview_role_arn: Role for `pulumi preview` from pull requests.
        deploy_role_arn: Role for `pulumi up` from the GitHub environment.
        role_grants: The roles and the policies granting them, for what AWS checks against
            the roles (not an Output).
    """

    # What CiAccess itself creates: the deploy role reads these (it may not change them).
    RESOURCE_TYPES = (
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/policy:Policy",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    )

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
        scope = stack_scope(ident, deployment)
        provider_arn = self._oidc_provider_arn(name, args, deployment, ident)
        preview_subjects, deploy_subjects = github_subjects(args)
        names = [deployment.name("ci-preview"), deployment.name("ci-deploy")]
        protected = protected_resources(args, scope, names)
        # The CI roles carry the organisation's boundary if one is mandated, never the
        # platform's: that one allows no IAM, and the deploy role's job includes IAM.
        ci_deployment = replace(deployment, permissions_boundary_arn=args.ci_role_boundary_arn)
        preview = service_role(
            f"{name}-preview",
            ci_deployment,
            role_name=names[0],
            parent=self,
            trust_policy=github_trust_policy(provider_arn, preview_subjects),
            statements=preview_statements(args, scope),
            description=f"pulumi preview of {deployment.stack} from pull requests of "
            f"{args.github_repository}",
            max_session_seconds=args.max_session_seconds,
        )
        deploy = service_role(
            f"{name}-deploy",
            ci_deployment,
            role_name=names[1],
            parent=self,
            trust_policy=github_trust_policy(provider_arn, deploy_subjects),
            statements=guardrail_statements(args, scope, protected),
            managed_policies=args.deploy_managed_policy_arns,
            description=f"pulumi up of {deployment.stack} from the GitHub environment "
            f"{args.deploy_environment} of {args.github_repository}",
            max_session_seconds=args.max_session_seconds,
            # Deployed stacks have these attachments as `...-managed-<index>`.
            indexed_attachment_aliases=True,
        )

        attachments = self._deploy_policies(
            name, deployment, deploy, deploy_allow_statements(args, scope)
        )
        self.oidc_provider_arn = provider_arn
        self.preview_role_arn = preview.arn
        self.deploy_role_arn = deploy.arn
        self.role_grants = [*preview.ready, *deploy.ready, *attachments]
        self.register_outputs(
            {
                "oidc_provider_arn": self.oidc_provider_arn,
                "preview_role_arn": self.preview_role_arn,
                "deploy_role_arn": self.deploy_role_arn,
            }
        )

    def _deploy_policies(
        self,
        name: str,
        deployment: Deployment,
        deploy: ServiceRole,
        statements: Sequence[Statement],
    ) -> list[pulumi.Resource]:
        """The deploy role's allows, as managed policies (an inline policy holds too few)."""
        attachments: list[pulumi.Resource] = []
        for index, chunk in enumerate(split_statements(statements), start=1):
            policy_name = deployment.name(f"ci-deploy-{index}")
            policy = aws.iam.Policy(
                f"{name}-deploy-{index}",
                name=policy_name,
                description=f"pulumi up of {deployment.stack}, part {index}",
                policy=policy_document(chunk),
                tags=deployment.tagged(policy_name),
                opts=pulumi.ResourceOptions(parent=self),
            )
            attachment = aws.iam.RolePolicyAttachment(
                f"{name}-deploy-{index}",
                role=deploy.name,
                policy_arn=policy.arn,
                opts=pulumi.ResourceOptions(parent=deploy.role),
            )
            attachments.append(attachment)
        return attachments

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
        return concat(
            "arn:",
            ident.partition,
            ":iam::",
            ident.account_id,
            ":oidc-provider/",
            GITHUB_OIDC_HOST,
        )
