"""The one role helper: names, grants, trust, boundary, and what deployed stacks keep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components import Deployment
from components.ci_access import CiAccess, CiAccessArgs
from components.iam import ServiceRole, service_role
from infra.config import stack_file_path
from infra.plan import build_plan, record_resources
from tests.helpers import of_type
from tests.test_data_safety import alias_urns, run_with_aliases

DEPLOYMENT = Deployment(stack="unit", environment="dev", region="eu-west-1")
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


class Holder(pulumi.ComponentResource):
    def __init__(self) -> None:
        super().__init__("test:index:Holder", "holder")


def make_role(deployment: Deployment = DEPLOYMENT, **kwargs: Any) -> list[dict[str, Any]]:
    """Registrations of one `service_role` call (a SageMaker role unless told otherwise)."""
    kwargs.setdefault("services", ["sagemaker.amazonaws.com"])
    kwargs.setdefault("description", "test role")
    kwargs.setdefault("role_name", "mlops-unit-test")

    def program() -> None:
        service_role("test-role", deployment, parent=Holder(), **kwargs)

    return record_resources(program, stack="unit")[0]


def by_type(registrations: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [r for r in registrations if r["type"] == type_token]


def test_role_name_over_64_characters_is_an_error_not_a_truncation() -> None:
    (role,) = by_type(make_role(role_name="r" * 64), ROLE)
    assert role["inputs"]["name"] == "r" * 64
    with pytest.raises(ValueError, match=r"'r{65}' is 65 characters; IAM allows 64"):
        make_role(role_name="r" * 65)


def test_grants_are_named_after_their_policies_and_parented_to_the_role() -> None:
    custom = "arn:aws:iam::123456789012:policy/team/TeamBoundaryReader"
    registrations = make_role(
        managed_policies=["service-role/AmazonEBSCSIDriverPolicy", custom],
        statements=[STATEMENT],
    )
    (role,) = by_type(registrations, ROLE)
    attachments = {a["name"]: a for a in by_type(registrations, ATTACHMENT)}
    assert set(attachments) == {
        "test-role-AmazonEBSCSIDriverPolicy",
        "test-role-TeamBoundaryReader",
    }
    assert attachments["test-role-AmazonEBSCSIDriverPolicy"]["inputs"]["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
    )
    assert attachments["test-role-TeamBoundaryReader"]["inputs"]["policyArn"] == custom
    (inline,) = by_type(registrations, INLINE)
    assert inline["name"] == "test-role-policy"
    assert json.loads(inline["inputs"]["policy"])["Statement"] == [STATEMENT]
    assert {g["parent"] for g in [*attachments.values(), inline]} == {role["urn"]}


def test_ready_is_the_role_and_every_grant() -> None:
    roles: list[ServiceRole] = []

    def program() -> None:
        roles.append(
            service_role(
                "test-role",
                DEPLOYMENT,
                role_name="mlops-unit-test",
                services=["eks.amazonaws.com"],
                parent=Holder(),
                description="test role",
                managed_policies=["AmazonEKSClusterPolicy"],
                statements=[STATEMENT],
            )
        )

    record_resources(program, stack="unit")
    (made,) = roles
    assert made.ready == [made.role, *made.grants] and len(made.grants) == 2


def test_the_same_policy_name_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="same name attached twice"):
        make_role(managed_policies=["ReadOnlyAccess", "arn:aws:iam::1:policy/ReadOnlyAccess"])


def test_trust_from_services_or_a_document_never_both() -> None:
    with pytest.raises(ValueError, match="either services or a trust policy"):
        make_role(trust_policy='{"Statement": []}')
    with pytest.raises(ValueError, match="either services or a trust policy"):
        make_role(services=[])
    (role,) = by_type(make_role(services=[], trust_policy='{"Statement": []}'), ROLE)
    assert role["inputs"]["assumeRolePolicy"] == '{"Statement": []}'


def test_source_conditions_only_where_the_service_sends_them() -> None:
    (role,) = by_type(
        make_role(
            services=["vpc-flow-logs.amazonaws.com"],
            source_account="123456789012",
            source_arn="arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*",
        ),
        ROLE,
    )
    (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"},
    }
    with pytest.raises(ValueError, match="would lock the service out"):
        make_role(source_account="123456789012")


def test_permissions_boundary_from_the_deployment_or_the_call() -> None:
    boundary = "arn:aws:iam::123456789012:policy/PlatformBoundary"
    (plain,) = by_type(make_role(), ROLE)
    assert "permissionsBoundary" not in plain["inputs"]
    bounded = Deployment("unit", "dev", "eu-west-1", permissions_boundary_arn=boundary)
    (role,) = by_type(make_role(bounded), ROLE)
    assert role["inputs"]["permissionsBoundary"] == boundary
    other = "arn:aws:iam::123456789012:policy/Other"
    (role,) = by_type(make_role(bounded, permissions_boundary=other), ROLE)
    assert role["inputs"]["permissionsBoundary"] == other


def test_flow_log_role_trusts_only_this_accounts_flow_logs(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (role,) = [r for r in of_type(plan, ROLE) if r["name"] == "network-flow-logs"]
    (statement,) = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"},
    }


# -- deployed stacks keep their attachments ------------------------------------------------


def _alias(name: str, parents: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::mlops-platform::{parents}::{name}"


def test_prod_cloudwatch_agent_attachment_keeps_its_deployed_names() -> None:
    """Renamed from its index to its policy name, then moved from Monitoring to the training
    cluster; the aliases keep every name it was deployed under."""
    aliases = alias_urns(*run_with_aliases("prod"), "prod")
    attachment = "$aws:iam/role:Role$aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    now = "mlops:training:TrainingCluster" + attachment
    before = "mlops:observability:Monitoring" + attachment
    new = _alias("training-cloudwatch-agent-CloudWatchAgentServerPolicy", now, "prod")
    assert aliases[new] == {
        _alias("training-cloudwatch-agent-managed-0", now, "prod"),
        _alias("monitoring-cloudwatch-agent-CloudWatchAgentServerPolicy", before, "prod"),
        _alias("monitoring-cloudwatch-agent-managed-0", before, "prod"),
    }


def test_ci_deploy_attachments_keep_their_deployed_names() -> None:
    policies = [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::123456789012:policy/PlatformExtras",
    ]
    args = CiAccessArgs(
        github_repository="acme/mlops-platform",
        deploy_environment="unit",
        deploy_managed_policy_arns=policies,
    )
    registrations, declared = run_with_aliases(
        "unit", lambda: CiAccess("ci-access", args, DEPLOYMENT)
    )
    aliases = alias_urns(registrations, declared, "unit")
    chain = "mlops:ci:CiAccess$aws:iam/role:Role$aws:iam/rolePolicyAttachment:RolePolicyAttachment"
    for index, name in enumerate(["ReadOnlyAccess", "PlatformExtras"]):
        new = _alias(f"ci-access-deploy-{name}", chain, "unit")
        assert aliases[new] == {_alias(f"ci-access-deploy-managed-{index}", chain, "unit")}
    # Roles that never had indexed attachments declare no aliases.
    assert not [urn for urn in aliases if "ci-access-preview" in urn]


def test_the_longest_names_the_schema_admits_still_fit_iam(tmp_path: Path) -> None:
    """Role names grow with the stack, team and endpoint names; the schema's limits on
    those (16, 32, 32 characters) keep every role name within IAM's 64."""
    document = yaml.safe_load(stack_file_path("dev").read_text(encoding="utf-8"))
    config = document["config"]
    config["mlops-platform:training"]["teams"][0]["name"] = "t" * 32
    config["mlops-platform:serving"]["endpoints"][0]["name"] = "e" * 32
    path = tmp_path / "Pulumi.long.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    plan = build_plan("s" * 16, path)
    lengths = {r["inputs"]["name"]: len(r["inputs"]["name"]) for r in of_type(plan, ROLE)}
    assert max(lengths.values()) == 64, lengths
