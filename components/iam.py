"""IAM building blocks shared by the components: policy documents and the role helper."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .context import Deployment
from .output_values import concat, json_dumps

Statement = Mapping[str, Any]


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """An IAM policy JSON document; statements may hold Outputs."""
    return json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


# IAM's limit on a managed policy document, in characters without white space.
MANAGED_POLICY_LIMIT = 6144
# What an Output (an ARN, an account id) is counted as before it resolves: no ARN the
# platform puts in a policy is longer.
_OUTPUT_ALLOWANCE = 120


def _estimated_size(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(len(json.dumps(k)) + 1 + _estimated_size(v) for k, v in value.items()) + 2
    if isinstance(value, (list, tuple)):
        return sum(_estimated_size(v) + 1 for v in value) + 2
    if isinstance(value, (str, int, float, bool)) or value is None:
        return len(json.dumps(value))
    return _OUTPUT_ALLOWANCE


def split_statements(
    statements: Sequence[Statement], limit: int = MANAGED_POLICY_LIMIT
) -> list[list[Statement]]:
    """`statements` in order, cut into documents that each fit a managed policy."""
    budget = limit - len('{"Version":"2012-10-17","Statement":[]}')
    chunks: list[list[Statement]] = [[]]
    used = 0
    for statement in statements:
        size = _estimated_size(statement) + 1
        if size > budget:
            raise ValueError(f"statement {statement.get('Sid')} alone exceeds {limit} characters")
        if used + size > budget:
            chunks.append([])
            used = 0
        chunks[-1].append(statement)
        used += size
    return [chunk for chunk in chunks if chunk]


def vpc_interface_statements(
    account_id: pulumi.Input[str],
    region: pulumi.Input[str],
    partition: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
) -> list[dict[str, Any]]:
    """What SageMaker needs to place a job's or model's network interfaces in one VPC.

    Describe calls support no resource-level permissions; creating and deleting interfaces
    is confined to the given VPC through the `ec2:Vpc` condition.
    """
    vpc_arn = concat("arn:", partition, ":ec2:", region, ":", account_id, ":vpc/", vpc_id)
    return [
        {
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeVpcs",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeDhcpOptions",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ManageInterfacesInOwnVpc",
            "Effect": "Allow",
            "Action": [
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "Resource": "*",
            "Condition": {"ArnEquals": {"ec2:Vpc": vpc_arn}},
        },
    ]


MAX_ROLE_NAME_LENGTH = 64
MAX_DESCRIPTION_LENGTH = 1000
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"

# Services documented to send `aws:SourceAccount` and `aws:SourceArn` when they assume a
# role, so its trust policy can pin both (cross-service confused-deputy protection). A
# service missing here may not send them: the condition would lock the service out.
SOURCE_CONDITION_SERVICES = frozenset(
    {"codebuild.amazonaws.com", "states.amazonaws.com", "vpc-flow-logs.amazonaws.com"}
)


def service_trust_policy(
    *services: str,
    source_account: pulumi.Input[str] | None = None,
    source_arn: pulumi.Input[str] | None = None,
) -> pulumi.Output[str]:
    """Trust policy letting AWS services assume a role, optionally only for this account's
    resources (`aws:SourceAccount`, `aws:SourceArn`)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": sorted(services) if len(services) > 1 else services[0]},
        # Pod Identity passes session tags (cluster, namespace, service account).
        "Action": ["sts:AssumeRole", "sts:TagSession"]
        if POD_IDENTITY_SERVICE in services
        else "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if source_account is not None:
        condition["StringEquals"] = {"aws:SourceAccount": source_account}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return policy_document([statement])


@dataclass(frozen=True)
class ServiceRole:
    """An IAM role and the resources that grant it permissions.

    AWS checks a role's permissions when a resource using it is created (an EKS cluster,
    a SageMaker model pulling its image, a feature group writing its offline store), and
    `depends_on=[role]` does not wait for the role's policies: pass `ready` instead.
    """

    role: aws.iam.Role
    grants: list[pulumi.Resource]

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.role.arn

    @property
    def name(self) -> pulumi.Output[str]:
        return self.role.name

    @property
    def ready(self) -> list[pulumi.Resource]:
        """The role and every grant: what a resource using the role must wait for."""
        return [self.role, *self.grants]


def _policy_arn(policy: str) -> str:
    return policy if policy.startswith("arn:") else managed_policy_arn(policy)


def _attachment_suffixes(policies: Sequence[str]) -> list[str]:
    """The policy name each attachment's resource name ends with (stable across reorders)."""
    suffixes = [_policy_arn(policy).rsplit("/", 1)[-1] for policy in policies]
    repeated = sorted({s for s in suffixes if suffixes.count(s) > 1})
    if repeated:
        raise ValueError(f"managed policies with the same name attached twice: {repeated}")
    return suffixes


def _moved_aliases(moved_from: tuple[str, pulumi.Input[str]] | None) -> list[pulumi.Alias] | None:
    return [pulumi.Alias(name=moved_from[0], parent=moved_from[1])] if moved_from else None


def _attachment_aliases(
    resource_name: str,
    suffix: str,
    index: int,
    indexed: bool,
    moved_from: tuple[str, pulumi.Input[str]] | None,
) -> list[pulumi.Alias]:
    aliases = [pulumi.Alias(name=f"{resource_name}-managed-{index}")] if indexed else []
    if moved_from is not None:
        old_name, old_parent = moved_from
        old_role = pulumi.create_urn(old_name, "aws:iam/role:Role", parent=old_parent)
        aliases.append(pulumi.Alias(name=f"{old_name}-{suffix}", parent=old_role))
        if indexed:
            aliases.append(pulumi.Alias(name=f"{old_name}-managed-{index}", parent=old_role))
    return aliases


def _attachments(
    resource_name: str,
    role: aws.iam.Role,
    policies: Sequence[str],
    indexed_aliases: bool,
    moved_from: tuple[str, pulumi.Input[str]] | None = None,
) -> list[pulumi.Resource]:
    attachments: list[pulumi.Resource] = []
    suffixes = _attachment_suffixes(policies)
    for index, (policy, suffix) in enumerate(zip(policies, suffixes, strict=True)):
        aliases = _attachment_aliases(resource_name, suffix, index, indexed_aliases, moved_from)
        attachments.append(
            aws.iam.RolePolicyAttachment(
                f"{resource_name}-{suffix}",
                role=role.name,
                policy_arn=_policy_arn(policy),
                opts=pulumi.ResourceOptions(parent=role, aliases=aliases or None),
            )
        )
    return attachments


def _inline_policy(
    resource_name: str, role: aws.iam.Role, statements: Sequence[Statement]
) -> aws.iam.RolePolicy:
    # An inline policy lives and dies with its role and is never attachable elsewhere.
    return aws.iam.RolePolicy(
        f"{resource_name}-policy",
        role=role.id,
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=role),
    )


def _check_role_inputs(
    role_name: str,
    description: str,
    services: Sequence[str],
    trust_policy: pulumi.Input[str] | None,
    pins_source: bool,
) -> None:
    if len(role_name) > MAX_ROLE_NAME_LENGTH:
        raise ValueError(
            f"IAM role name '{role_name}' is {len(role_name)} characters; IAM allows "
            f"{MAX_ROLE_NAME_LENGTH}: use a shorter stack, cluster, team or endpoint name"
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValueError(
            f"description of IAM role '{role_name}' is {len(description)} characters; "
            f"IAM allows {MAX_DESCRIPTION_LENGTH}"
        )
    if bool(services) == (trust_policy is not None):
        raise ValueError(f"role '{role_name}': give either services or a trust policy")
    unpinnable = sorted(set(services) - SOURCE_CONDITION_SERVICES)
    if pins_source and trust_policy is not None:
        raise ValueError(f"role '{role_name}': put source conditions in the trust policy given")
    if pins_source and unpinnable:
        raise ValueError(
            f"role '{role_name}': {unpinnable} are not known to send aws:SourceAccount / "
            "aws:SourceArn, so a trust condition on them would lock the service out"
        )


def service_role(
    resource_name: str,
    deployment: Deployment,
    *,
    role_name: str,
    parent: pulumi.Resource,
    description: str,
    services: Sequence[str] = (),
    trust_policy: pulumi.Input[str] | None = None,
    managed_policies: Sequence[str] = (),
    statements: Sequence[Statement] = (),
    source_account: pulumi.Input[str] | None = None,
    source_arn: pulumi.Input[str] | None = None,
    permissions_boundary: pulumi.Input[str] | None = None,
    max_session_seconds: int = 3600,
    indexed_attachment_aliases: bool = False,
    moved_from: tuple[str, pulumi.Input[str]] | None = None,
) -> ServiceRole:
    """The one way the platform makes an IAM role: the role plus the resources granting it.

    Args:
        resource_name: Logical name of the role; its grants are named after it.
        role_name: Physical name; over 64 characters is an error, never truncated.
        parent: Parent of the role (the grants are children of the role).
        description: Why the role exists.
        services: AWS service principals trusted to assume the role.
        trust_policy: A trust policy document instead of `services` (web identity, ...).
        managed_policies: AWS managed policy names (`service-role/...` allowed) or full
            policy ARNs; each attachment is named `<resource_name>-<policy name>`.
        statements: Inline policy statements (one `<resource_name>-policy`).
        source_account: Trust the services only on behalf of this account.
        source_arn: Trust the services only on behalf of resources matching this ARN.
        permissions_boundary: Permissions boundary ARN; default the deployment's.
        max_session_seconds: Longest session of the role.
        indexed_attachment_aliases: The role's attachments were once named
            `<resource_name>-managed-<index>`; alias those names so deployed stacks keep
            their attachments rather than replacing them.
        moved_from: (logical name, parent URN) before a move: role and grants alias them.
    """
    pins = source_account is not None or source_arn is not None
    _check_role_inputs(role_name, description, services, trust_policy, pins)
    if trust_policy is None:
        trust_policy = service_trust_policy(
            *services, source_account=source_account, source_arn=source_arn
        )
    role = aws.iam.Role(
        resource_name,
        name=role_name,
        description=description or None,
        assume_role_policy=trust_policy,
        permissions_boundary=permissions_boundary or deployment.permissions_boundary_arn,
        max_session_duration=max_session_seconds,
        tags=deployment.tagged(role_name),
        opts=pulumi.ResourceOptions(parent=parent, aliases=_moved_aliases(moved_from)),
    )
    indexed, moved = indexed_attachment_aliases, moved_from
    grants = _attachments(resource_name, role, managed_policies, indexed, moved)
    if statements:
        grants.append(_inline_policy(resource_name, role, statements))
    return ServiceRole(role, grants)


def managed_policy_arn(name: str) -> str:
    """ARN of an AWS managed policy in the standard partition."""
    return f"arn:aws:iam::aws:policy/{name}"
