"""The CI roles' statements, derived from the resource types a stack's plan contains.

Each type's row in `components/permissions.py` says which actions Pulumi calls and how the
stack's own resources of that type are named. IAM's action data (`catalog/iam_actions.json`)
says which actions support resource-level permissions. From both:

- actions without resource-level permissions: `Resource: "*"`, confined to the region;
- actions on resources named with the stack's prefix: those ARN patterns;
- actions on resources with random ids (EC2, KMS keys, ...): any resource whose `stack` tag
  is this stack; creating one requires the request to tag it with this stack;
- IAM actions that support `iam:PermissionsBoundary`: only with the platform's boundary.

Denies (`guardrail_statements`) keep the role from re-tagging another stack's resources,
touching the access-control resources an administrator manages, removing boundaries or
assuming roles it creates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from .catalog import iam_action
from .context import STACK_TAG
from .iam import Statement
from .output_values import all_of
from .permissions import PROGRAM_READS, TypeActions, actions_of

# Services whose API is global: `aws:RequestedRegion` does not describe where they act.
GLOBAL_SERVICES = frozenset({"iam", "budgets", "sts"})
BOUNDARY_KEY = "iam:PermissionsBoundary"
REQUEST_TAG_KEY = "aws:RequestTag/${TagKey}"
RESOURCE_TAG_KEY = "aws:ResourceTag/${TagKey}"


@dataclass(frozen=True)
class StackScope:
    """Everything that fills the permission table's templates for one stack."""

    partition: pulumi.Input[str]
    region: pulumi.Input[str]
    account_id: pulumi.Input[str]
    name_prefix: str
    stack: str

    @property
    def prefix(self) -> str:
        """`mlops-<stack>-`: the start of every physical name of the stack."""
        return f"{self.name_prefix}-{self.stack}-"

    def fill(self, template: str) -> pulumi.Output[str]:
        """An ARN template of the permission table, for this stack."""
        return all_of(self.partition, self.region, self.account_id).apply(
            lambda v: template.format(
                partition=v[0],
                region=v[1],
                account=v[2],
                prefix=self.prefix,
                np=self.name_prefix,
                stack=self.stack,
            )
        )

    def fill_text(self, template: str) -> str:
        """A condition value template (names only, no account or region)."""
        return template.format(prefix=self.prefix, np=self.name_prefix, stack=self.stack)

    @property
    def in_region(self) -> dict[str, Any]:
        return {"StringEquals": {"aws:RequestedRegion": self.region}}


def service_of(action: str) -> str:
    return action.split(":", 1)[0]


def supports(action: str, key: str) -> bool:
    """Whether IAM evaluates condition key `key` for `action`."""
    return key in iam_action(action)["conditionKeys"]


def resource_level(action: str) -> bool:
    """Whether `action` can be granted on specific resources (IAM lists resource types)."""
    return bool(iam_action(action)["resourceTypes"])


def reads(action: str) -> bool:
    """Whether IAM classes `action` as reading (Read or List access level)."""
    return str(iam_action(action)["accessLevel"]) in ("Read", "List")


def _arn_service(template: str) -> str:
    return template.split(":", 3)[2]


# Kinds of statement, in the order they appear in a policy.
UNSCOPED, BY_NAME, WITH_BOUNDARY, BY_TAG, CREATE_TAGGED, BY_CONDITION = (
    "Unscoped",
    "ByName",
    "WithBoundary",
    "ByStackTag",
    "CreateWithStackTag",
    "ByCondition",
)
KIND_ORDER = (UNSCOPED, BY_NAME, WITH_BOUNDARY, BY_TAG, CREATE_TAGGED, BY_CONDITION)


@dataclass
class _Group:
    actions: set[str]
    arns: set[str]
    condition: tuple[tuple[str, str, str], ...] = ()


def _placements(action: str, row: TypeActions, creating: bool) -> list[tuple[str, Any]]:
    """Where one action of a row goes: (kind, ARN templates or condition)."""
    scope, service = row.scope, service_of(action)
    if not resource_level(action):
        # Creating a resource IAM cannot name yet: the request must tag it with the stack
        # (every resource of the platform carries the tag).
        if creating and supports(action, REQUEST_TAG_KEY):
            return [(CREATE_TAGGED, None)]
        return [(UNSCOPED, None)]
    found: list[tuple[str, Any]] = []
    arns = [a for a in scope.arns if _arn_service(a) == service]
    if arns:
        kind = BY_NAME
        if service == "iam" and supports(action, BOUNDARY_KEY) and not reads(action):
            kind = WITH_BOUNDARY
        found.append((kind, arns))
    if scope.tagged:
        if creating and supports(action, REQUEST_TAG_KEY):
            found.append((CREATE_TAGGED, None))
        if supports(action, RESOURCE_TAG_KEY) or not creating:
            found.append((BY_TAG, None))
    if scope.condition:
        flat = tuple(
            (op, key, value) for op, entries in scope.condition.items()
            for key, value in entries.items()
        )  # fmt: skip
        found.append((BY_CONDITION, flat))
    if not found:
        raise ValueError(f"{action} supports resource-level permissions but its row names none")
    return found


GroupKey = tuple[str, str, tuple[str, ...]]


def _groups(rows: dict[str, TypeActions], write: bool) -> dict[GroupKey, _Group]:
    """Actions grouped by service, kind of scope and the exact ARN patterns they apply to
    (an action is never granted on another type's ARNs)."""
    groups: dict[GroupKey, _Group] = {}
    for row in rows.values():
        writes = row.write if write and not row.administered else ()
        for action in (*row.read, *writes):
            canonical = iam_action(action)["action"]
            for kind, detail in _placements(canonical, row, action in row.create):
                arns = tuple(sorted(detail)) if kind in (BY_NAME, WITH_BOUNDARY) else ()
                key = (service_of(canonical), kind, arns)
                group = groups.setdefault(key, _Group(set(), set(arns)))
                group.actions.add(canonical)
                if kind == BY_CONDITION:
                    group.condition = detail
    return groups


def _sid(service: str, kind: str, index: int) -> str:
    name = "".join(part.capitalize() for part in service.split("-")) + kind
    return name if index == 1 else f"{name}{index}"


def _statement(
    key: GroupKey, sid: str, group: _Group, scope: StackScope, boundary: pulumi.Input[str] | None
) -> dict[str, Any]:
    service, kind, _ = key
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(group.actions),
        "Resource": "*",
    }
    condition: dict[str, Any] = {}
    if kind in (BY_NAME, WITH_BOUNDARY):
        statement["Resource"] = [scope.fill(a) for a in sorted(group.arns)]
    if kind == WITH_BOUNDARY:
        condition["StringEquals"] = {BOUNDARY_KEY: boundary}
    elif kind == BY_TAG:
        condition["StringEquals"] = {f"aws:ResourceTag/{STACK_TAG}": scope.stack}
    elif kind == CREATE_TAGGED:
        condition["StringEquals"] = {f"aws:RequestTag/{STACK_TAG}": scope.stack}
    elif kind == BY_CONDITION:
        for op, name, value in group.condition:
            condition.setdefault(op, {})[name] = scope.fill_text(value)
    if kind in (UNSCOPED, BY_TAG, CREATE_TAGGED) and service not in GLOBAL_SERVICES:
        condition.setdefault("StringEquals", {})["aws:RequestedRegion"] = scope.region
    if condition:
        statement["Condition"] = condition
    return statement


def type_statements(
    types: Iterable[str], scope: StackScope, boundary: pulumi.Input[str] | None, *, write: bool
) -> list[Statement]:
    """Read (and with `write`, create/update/delete/tag) the stack's resources of `types`.

    Without a `boundary`, no statement lets the role write IAM roles.
    """
    groups = _groups(actions_of(types), write)
    if boundary is None:
        groups = {key: group for key, group in groups.items() if key[1] != WITH_BOUNDARY}
    order = {kind: index for index, kind in enumerate(KIND_ORDER)}
    statements: list[Statement] = []
    seen: dict[tuple[str, str], int] = {}
    for key in sorted(groups, key=lambda k: (k[0], order[k[1]], k[2])):
        service, kind, _ = key
        index = seen[service, kind] = seen.get((service, kind), 0) + 1
        sid = _sid(service, kind, index)
        statements.append(_statement(key, sid, groups[key], scope, boundary))
    return statements


def program_read_statements(scope: StackScope) -> list[Statement]:
    """What any run of the program reads: identity, zones, AWS's public parameters."""
    unscoped = [a for a in PROGRAM_READS if not resource_level(a)]
    return [
        {
            "Sid": "ProgramReads",
            "Effect": "Allow",
            "Action": sorted(unscoped),
            "Resource": "*",
        },
        {
            "Sid": "AwsPublicParameters",
            "Effect": "Allow",
            "Action": sorted(a for a in PROGRAM_READS if resource_level(a)),
            "Resource": scope.fill("arn:{partition}:ssm:{region}::parameter/aws/service/*"),
        },
    ]


def tag_actions(types: Iterable[str]) -> list[str]:
    """Every write action of `types` that can set or remove tags (IAM evaluates aws:TagKeys)."""
    rows = actions_of(types)
    return sorted(
        {iam_action(a)["action"] for row in rows.values() for a in row.write
         if supports(a, "aws:TagKeys")}
    )  # fmt: skip


def stack_tag_denies(types: Iterable[str], stack: str) -> list[Statement]:
    """The `stack` tag cannot be removed, set to another stack, or set on another stack's
    resources: the tag scoping above would otherwise be forgeable."""
    actions = tag_actions(types)
    if not actions:
        return []
    key = f"aws:ResourceTag/{STACK_TAG}"
    return [
        {
            "Sid": "NeverSetAnotherStacksTag",
            "Effect": "Deny",
            "Action": actions,
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": {"aws:TagKeys": [STACK_TAG]},
                "StringNotEquals": {f"aws:RequestTag/{STACK_TAG}": stack},
            },
        },
        {
            "Sid": "NeverRetagAnotherStacksResources",
            "Effect": "Deny",
            "Action": actions,
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringEquals": {"aws:TagKeys": [STACK_TAG]},
                "StringNotEquals": {key: stack},
                "Null": {key: "false"},
            },
        },
    ]


def every_granted_action(types: Sequence[str] | None = None) -> list[str]:
    """Every action the table and the fixed statements may grant (the IAM data's scope)."""
    from .permissions import ACTIONS_BY_TYPE

    rows = ACTIONS_BY_TYPE if types is None else actions_of(types)
    fixed = (*PROGRAM_READS, *FIXED_ACTIONS)
    return sorted({a for row in rows.values() for a in (*row.read, *row.write)} | set(fixed))


# Actions of the CI roles' fixed statements (state backend, secrets key, service-linked
# roles, passing roles), checked against IAM's data like the table's.
FIXED_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "iam:PassRole",
    "iam:CreateServiceLinkedRole",
    "iam:DeleteRolePermissionsBoundary",
    "sts:AssumeRole",
    "secretsmanager:GetSecretValue",
    "codeconnections:PassConnection",
    "codeconnections:UseConnection",
    "codestar-connections:PassConnection",
    "codestar-connections:UseConnection",
)
