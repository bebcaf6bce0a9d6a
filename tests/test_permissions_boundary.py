"""No escalation: every platform role is bounded, the boundary grants no IAM, and no role of
any shipped plan has a privilege-escalation path (policy_sentry's list of escalation
actions, evaluated against each role's identity policies and boundary)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from components.catalog import generate_iam
from infra.plan import Plan, build_plan
from tests.ci_roles import ACCOUNT, REGION, ci_role, managed_policies, policy_arn, role_arn, roles
from tests.helpers import BASE_STACK, of_type, write_stack
from tests.iam_eval import Principal

CI_ROLES = ("ci-access-preview", "ci-access-deploy")
ORG_BOUNDARY = "arn:aws:iam::123456789012:policy/org/DelegatedAdminBoundary"


def _boundary(plan: Plan) -> str:
    return policy_arn(f"mlops-{plan.stack}-boundary")


def test_every_platform_role_carries_the_stacks_boundary(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    for role in of_type(plan, "aws:iam/role:Role"):
        expected = None if role["name"] in CI_ROLES else _boundary(plan)
        assert role["inputs"].get("permissionsBoundary") == expected, role["name"]
    assert _boundary(plan) in managed_policies(plan)


def test_an_organisation_boundary_is_carried_by_every_role(tmp_path: Path) -> None:
    ci = {"githubRepository": "acme/mlops-platform"}
    config = {**BASE_STACK, "mlops-platform:permissionsBoundaryArn": ORG_BOUNDARY,
              "mlops-platform:ciAccess": ci}  # fmt: skip
    plan = build_plan("dev", write_stack(tmp_path, config))
    found = {r["name"]: r["inputs"].get("permissionsBoundary")
             for r in of_type(plan, "aws:iam/role:Role")}  # fmt: skip
    assert set(CI_ROLES) < set(found) and len(found) > 2
    assert set(found.values()) == {ORG_BOUNDARY}
    assert of_type(plan, "aws:iam/policy:Policy") and not [
        p
        for p in of_type(plan, "aws:iam/policy:Policy")
        if p["name"] == "permissions-boundary-policy"
    ]
    deploy = ci_role(plan, "deploy")
    role = role_arn("mlops-dev-new")
    assert deploy.allows("iam:CreateRole", role, {"iam:PermissionsBoundary": ORG_BOUNDARY})
    assert not deploy.allows("iam:CreateRole", role, {"iam:PermissionsBoundary": _boundary(plan)})


@pytest.fixture(scope="module")
def iam_definition() -> dict[str, Any]:
    return generate_iam._definition()


def _boundary_principal(plan: Plan) -> Principal:
    allow_all = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    return Principal([allow_all], managed_policies(plan)[_boundary(plan)])


def test_the_boundary_allows_no_iam_write(
    shipped_plan: Callable[[str], Plan], iam_definition: dict[str, Any]
) -> None:
    """Whatever policy a bounded role is given, it cannot write IAM (or STS roles)."""
    plan = shipped_plan("prod")
    bounded = _boundary_principal(plan)
    context = {"aws:RequestedRegion": REGION, "aws:ResourceTag/stack": plan.stack}
    targets = ("*", role_arn("mlops-prod-x"), policy_arn("mlops-prod-boundary"))
    writes = [
        f"iam:{name}"
        for name, privilege in iam_definition["iam"]["privileges"].items()
        if privilege["access_level"] not in ("Read", "List")
    ]
    assert len(writes) > 50
    allowed = [(a, t) for a in writes for t in targets if bounded.allows(a, t, context)]
    assert allowed == []
    assert not bounded.allows("sts:AssumeRole", role_arn("mlops-prod-x"), context)


def _requests(statement: dict[str, Any]) -> Iterator[tuple[str, str]]:
    actions = statement.get("Action", [])
    resources = statement.get("Resource", [])
    for action in actions if isinstance(actions, list) else [actions]:
        for resource in resources if isinstance(resources, list) else [resources]:
            yield action, resource


def test_platform_roles_fit_inside_the_boundary(any_shipped_plan: Plan) -> None:
    """The boundary never takes away what a platform role's own policy grants."""
    plan = any_shipped_plan
    bounded = _boundary_principal(plan)
    context = {"aws:RequestedRegion": REGION, "aws:ResourceTag/stack": plan.stack}
    cut = []
    for role, principal in roles(plan):
        if role["name"] in CI_ROLES:
            continue
        for document in principal.policies:
            for statement in document["Statement"]:
                # A request the role's own conditions admit (e.g. iam:PassedToService).
                admitted = {**context, **statement.get("Condition", {}).get("StringEquals", {})}
                for action, resource in _requests(statement):
                    if not bounded.allows(action, resource, admitted):
                        cut.append(f"{role['name']}: {action} on {resource}")
    assert cut == []


def _escalation_actions() -> list[str]:
    """policy_sentry's audit list of actions that can escalate privileges."""
    import policy_sentry

    path = Path(policy_sentry.__file__).parent / "shared/data/audit/privilege-escalation.txt"
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]


def _probes(plan: Plan) -> list[tuple[str, dict[str, Any]]]:
    """Targets an escalation would use: any role (also the stack's, also one without the
    boundary), user, group or policy, with whatever tags the caller chooses."""
    mine = f"mlops-{plan.stack}-escalate"
    context = {
        "aws:RequestedRegion": REGION,
        "aws:RequestTag/stack": plan.stack,
        "aws:ResourceTag/stack": plan.stack,
        "iam:PassedToService": "ec2.amazonaws.com",
    }
    targets = [
        "*",
        role_arn(mine),
        role_arn("administrator"),
        f"arn:aws:iam::{ACCOUNT}:user/someone",
        f"arn:aws:iam::{ACCOUNT}:group/admins",
        policy_arn(mine),
        _boundary(plan),
        policy_arn(f"mlops-{plan.stack}-ci-deploy-1"),
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{mine}",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{mine}",
    ]
    return [(target, context) for target in targets]


def test_no_role_has_a_privilege_escalation_path(any_shipped_plan: Plan) -> None:
    """An action that can escalate is allowed only on a role bounded by the stack's boundary
    (iam:PermissionsBoundary) or a role the stack passes to its own services."""
    plan = any_shipped_plan
    escalations = _escalation_actions()
    assert "iam:PutRolePolicy" in escalations and "iam:PassRole" in escalations
    found = []
    for role, principal in roles(plan):
        for action in escalations:
            for target, context in _probes(plan):
                if action == "iam:PassRole" and target == role_arn(f"mlops-{plan.stack}-escalate"):
                    continue  # every role of the stack is bounded (test above)
                if principal.allows(action, target, context):
                    found.append(f"{role['name']}: {action} on {target}")
    assert found == []


def _without_boundary_condition(statement: dict[str, Any]) -> dict[str, Any]:
    if statement.get("Sid") != "IamWithBoundary":
        return statement
    return {k: v for k, v in statement.items() if k != "Condition"}


def test_the_escalation_check_finds_an_unbounded_grant(shipped_plan: Callable[[str], Plan]) -> None:
    """The same probes flag a deploy role whose boundary condition is removed."""
    plan = shipped_plan("dev")
    deploy = ci_role(plan, "deploy")
    target, context = _probes(plan)[1]
    assert not deploy.allows("iam:PutRolePolicy", target, context)
    loosened = [
        {**d, "Statement": [_without_boundary_condition(s) for s in d["Statement"]]}
        for d in deploy.policies
    ]
    assert Principal(loosened).allows("iam:PutRolePolicy", target, context)
