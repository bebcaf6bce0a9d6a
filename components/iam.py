"""IAM building blocks shared by the components: policy documents and service roles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .context import Deployment

Statement = Mapping[str, Any]


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """An IAM policy JSON document; statements may hold Outputs."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


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
    vpc_arn = pulumi.Output.concat(
        "arn:", partition, ":ec2:", region, ":", account_id, ":vpc/", vpc_id
    )
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


def service_trust_policy(*services: str) -> pulumi.Output[str]:
    """Trust policy letting AWS services assume a role."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": sorted(services) if len(services) > 1 else services[0]},
                "Action": ["sts:AssumeRole", "sts:TagSession"]
                if "pods.eks.amazonaws.com" in services
                else "sts:AssumeRole",
            }
        ]
    )


def service_role(
    resource_name: str,
    deployment: Deployment,
    *,
    role_name: str,
    services: Sequence[str],
    parent: pulumi.Resource,
    managed_policy_arns: Sequence[pulumi.Input[str]] = (),
    inline_policy: pulumi.Input[str] | None = None,
    description: str = "",
) -> aws.iam.Role:
    """A role assumed by AWS services, with AWS managed policies and one inline policy.

    Managed policies are attached as separate resources so each attachment shows in the
    plan and can be reviewed on its own.
    """
    opts = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        resource_name,
        name=role_name[:64],
        description=description or None,
        assume_role_policy=service_trust_policy(*services),
        max_session_duration=3600,
        tags=deployment.tagged(role_name),
        opts=opts,
    )
    child = pulumi.ResourceOptions(parent=role)
    for index, policy_arn in enumerate(managed_policy_arns):
        aws.iam.RolePolicyAttachment(
            f"{resource_name}-managed-{index}",
            role=role.name,
            policy_arn=policy_arn,
            opts=child,
        )
    if inline_policy is not None:
        aws.iam.RolePolicy(
            f"{resource_name}-policy",
            role=role.id,
            policy=inline_policy,
            opts=child,
        )
    return role


def managed_policy_arn(name: str) -> str:
    """ARN of an AWS managed policy in the standard partition."""
    return f"arn:aws:iam::aws:policy/{name}"
