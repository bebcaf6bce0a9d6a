"""Whatever AWS validates against an IAM role at create time waits for the role's policies.

A SageMaker model, feature group, MLflow server, data-quality job, EKS cluster, node group,
add-on, pod identity association or flow log is checked against its role's permissions
when it is created; `depends_on` the role alone does not wait for the role's policy
attachments and inline policies, so the first `pulumi up` would race them. Over the whole
plan of every shipped stack: each resource whose inputs name a role ARN depends (directly
or through what it depends on) on every grant of that role. A new component is covered
without touching this file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra.mocks import MOCK_ACCOUNT_ID
from infra.plan import Plan
from tests.helpers import of_type
from tests.stacks import stack_names

ROLE = "aws:iam/role:Role"
GRANT_TYPES = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def role_grants(plan: Plan) -> dict[str, tuple[str, list[str]]]:
    """{role ARN: (role URN, URNs of the grants parented to the role)}."""
    grants: dict[str, list[str]] = {}
    for resource in plan.resources:
        if resource["type"] in GRANT_TYPES:
            grants.setdefault(resource["parent"], []).append(resource["urn"])
    return {
        f"arn:aws:iam::{MOCK_ACCOUNT_ID}:role/{role['inputs']['name']}": (
            role["urn"],
            grants.get(role["urn"], []),
        )
        for role in of_type(plan, ROLE)
    }


def waits_for(plan: Plan) -> Callable[[str], set[str]]:
    """URN -> every URN it waits for: its dependencies, theirs, and so on."""
    depends = {r["urn"]: r["dependsOn"] for r in plan.resources}
    cache: dict[str, set[str]] = {}

    def closure(urn: str) -> set[str]:
        if urn not in cache:
            seen: set[str] = set()
            todo = list(depends.get(urn, []))
            while todo:
                dep = todo.pop()
                if dep not in seen:
                    seen.add(dep)
                    todo += depends.get(dep, [])
            cache[urn] = seen
        return cache[urn]

    return closure


def role_users(plan: Plan) -> list[tuple[dict[str, Any], str]]:
    """(resource, role ARN) for each resource whose inputs hold a role's ARN as a value.

    ARNs inside policy documents (principals) are JSON text, not values, and are skipped:
    IAM checks that a principal exists, not what it may do.
    """
    roles = role_grants(plan)
    return [
        (resource, arn)
        for resource in plan.resources
        for arn in sorted({s for s in _strings(resource["inputs"]) if s in roles})
    ]


def missing_grants(plan: Plan) -> list[str]:
    roles, closure = role_grants(plan), waits_for(plan)
    found = []
    for resource, arn in role_users(plan):
        role_urn, grants = roles[arn]
        lacking = [g for g in [role_urn, *grants] if g not in closure(resource["urn"])]
        if lacking:
            names = ", ".join(g.rsplit("::", 1)[-1] for g in lacking)
            found.append(f"{resource['urn']} does not wait for {names}")
    return found


def test_every_role_user_waits_for_all_of_its_roles_grants(any_shipped_plan: Plan) -> None:
    assert not missing_grants(any_shipped_plan)


def test_the_check_covers_each_kind_of_role_user(shipped_plan: Callable[[str], Plan]) -> None:
    """The walk finds the resources the issue names, so the test above is not vacuous."""
    users = {resource["type"] for resource, _ in role_users(shipped_plan("prod"))}
    assert {
        "aws:sagemaker/model:Model",
        "aws:sagemaker/featureGroup:FeatureGroup",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:eks/addon:Addon",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:ec2/flowLog:FlowLog",
    } <= users
    # Every role with permissions has grants to wait for.
    assert all(grants for _, grants in role_grants(shipped_plan("prod")).values())


def test_a_removed_dependency_is_caught(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    (model, *_) = of_type(plan, "aws:sagemaker/model:Model")
    policy = next(d for d in model["dependsOn"] if d.endswith("-role-policy"))
    broken = [
        {**r, "dependsOn": [d for d in r["dependsOn"] if d != policy]} if r is model else r
        for r in plan.resources
    ]
    found = missing_grants(Plan(plan.project, plan.stack, plan.config, broken, plan.outputs))
    assert found == [f"{model['urn']} does not wait for {policy.rsplit('::', 1)[-1]}"]


@pytest.mark.parametrize("stack", stack_names())
def test_endpoints_wait_for_their_serving_role_policy(
    stack: str, shipped_plan: Callable[[str], Plan]
) -> None:
    """The endpoint starts containers that use the role right away."""
    plan = shipped_plan(stack)
    for endpoint in of_type(plan, "aws:sagemaker/endpoint:Endpoint"):
        prefix = endpoint["name"].removesuffix("-endpoint")
        assert any(d.endswith(f"::{prefix}-role-policy") for d in endpoint["dependsOn"])


def test_observability_addon_waits_for_every_node_group(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    addons = [a for a in of_type(plan, "aws:eks/addon:Addon")
              if a["inputs"]["addonName"] == "amazon-cloudwatch-observability"]  # fmt: skip
    node_groups = {g["urn"] for g in of_type(plan, "aws:eks/nodeGroup:NodeGroup")}
    assert addons and node_groups
    for addon in addons:
        assert node_groups <= set(addon["dependsOn"])
