"""The CI roles and platform roles of a plan, as principals the IAM evaluator can question."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from components.permissions import ACTIONS_BY_TYPE, TypeActions
from infra.mocks import MOCK_ACCOUNT_ID
from infra.plan import Plan
from tests.helpers import of_type
from tests.iam_eval import Context, Principal

REGION = "eu-west-1"
ACCOUNT = MOCK_ACCOUNT_ID
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
INLINE = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def policy_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/{name}"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def managed_policies(plan: Plan) -> dict[str, dict[str, Any]]:
    """Customer managed policies of the plan by ARN, parsed."""
    return {
        policy_arn(p["inputs"]["name"]): json.loads(p["inputs"]["policy"])
        for p in of_type(plan, POLICY)
    }


def principal(plan: Plan, role: dict[str, Any]) -> Principal:
    """A role of the plan with its inline and customer managed policies and its boundary."""
    documents = [json.loads(p["inputs"]["policy"])
                 for p in of_type(plan, INLINE) if p["parent"] == role["urn"]]  # fmt: skip
    managed = managed_policies(plan)
    for attachment in of_type(plan, ATTACHMENT):
        arn = attachment["inputs"]["policyArn"]
        if attachment["inputs"]["role"] == role["inputs"]["name"] and arn in managed:
            documents.append(managed[arn])
    boundary_arn = role["inputs"].get("permissionsBoundary")
    boundary = managed.get(boundary_arn) if boundary_arn else None
    if boundary_arn and boundary is None:
        # An organisation's boundary, outside the plan: model it as allowing everything.
        boundary = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    return Principal(documents, boundary, role["inputs"]["name"])


def roles(plan: Plan) -> Iterator[tuple[dict[str, Any], Principal]]:
    for role in of_type(plan, ROLE):
        yield role, principal(plan, role)


def ci_role(plan: Plan, kind: str) -> Principal:
    (role,) = [r for r in of_type(plan, ROLE) if r["name"] == f"ci-access-{kind}"]
    return principal(plan, role)


@dataclass(frozen=True)
class StackNames:
    """How one stack names its resources, to build requests for its own or another's."""

    stack: str

    @property
    def prefix(self) -> str:
        return f"mlops-{self.stack}-"

    def fill(self, template: str) -> str:
        """A concrete ARN of the stack's from a permission-table pattern (`*` -> a name)."""
        arn = template.format(
            partition="aws",
            region=REGION,
            account=ACCOUNT,
            prefix=self.prefix,
            np="mlops",
            stack=self.stack,
        )
        return arn.replace("*", "x1")


def requests(
    row: TypeActions, action: str, names: StackNames, boundary: str | None
) -> list[tuple[str, Context]]:
    """The (resource, context) pairs Pulumi's call of `action` on `names` resources makes."""
    from components.ci_permissions import resource_level, service_of, supports

    context: dict[str, Any] = {"aws:RequestedRegion": REGION}
    if action in row.create:
        context.update({"aws:RequestTag/stack": names.stack, "aws:TagKeys": ["stack"]})
    if boundary is not None and supports(action, "iam:PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = boundary
    if not resource_level(action):
        return [("*", context)]
    service = service_of(action)
    patterns = [a for a in row.scope.arns if a.split(":")[2] == service]
    if patterns:
        return [(names.fill(pattern), context) for pattern in patterns]
    if row.scope.tagged:
        context["aws:ResourceTag/stack"] = names.stack
    for op_values in row.scope.condition.values():
        for key, value in op_values.items():
            context[key] = names.fill(value)
    return [(f"arn:aws:{service}:{REGION}:{ACCOUNT}:resource/0123456789abcdef", context)]


def type_rows(plan: Plan) -> dict[str, TypeActions]:
    """Every `aws:` type of the plan with its row; a type without a row is a KeyError."""
    types = sorted({r["type"] for r in plan.resources if r["type"].startswith("aws:")})
    missing = [t for t in types if t not in ACTIONS_BY_TYPE]
    if missing:
        raise KeyError(f"types of stack {plan.stack} without IAM actions: {missing}")
    return {t: ACTIONS_BY_TYPE[t] for t in types}
