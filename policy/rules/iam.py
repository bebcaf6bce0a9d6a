"""IAM: no administrator-equivalent statement and no broad managed policy.

A statement is administrator-equivalent when it allows every action (`Action: "*"`, or
`NotAction`, which allows everything not listed) or all of IAM (`iam:*`, which can grant
itself everything else) on every resource (`Resource: "*"`, an ARN wildcarded down to the
service, or `NotResource`, which covers everything not listed). IAM action names are
case-insensitive (`IAM:*` is `iam:*`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from .core import MANDATORY, Resource, as_list, policy_documents
from .registry import rule


def _matches_every_action(action: str) -> bool:
    return "*" in action and set(action) <= {"*", ":"}


def _action_scope(statement: Mapping[str, Any]) -> str | None:
    """What makes the statement's actions administrator-equivalent, None when nothing."""
    if "NotAction" in statement:
        return "NotAction (every action not listed)"
    for action in as_list(statement.get("Action")):
        if not isinstance(action, str):
            continue  # unknown during preview: nothing to prove
        if _matches_every_action(action):
            return f'Action "{action}"'
        service, _, name = action.lower().partition(":")
        if service == "iam" and name and set(name) <= {"*"}:
            return f'Action "{action}" (all of IAM, which can grant every other action)'
    return None


def _matches_every_resource(value: str) -> bool:
    if value and set(value) <= {"*"}:
        return True
    parts = value.split(":")
    if len(parts) < 2 or parts[0].lower() != "arn" or parts[-1] != "*":
        return False
    partition_ok = parts[1] == "*" or parts[1].startswith("aws")
    service_ok = len(parts) == 2 or parts[2] == "*"
    return partition_ok and service_ok and all(p in ("*", "") for p in parts[2:])


def _resource_scope(statement: Mapping[str, Any]) -> str | None:
    """What makes the statement cover every resource, None when it is scoped."""
    if "NotResource" in statement:
        return "NotResource (every resource not listed)"
    for resource in as_list(statement.get("Resource")):
        if isinstance(resource, str) and _matches_every_resource(resource):
            return f'Resource "{resource}"'
    return None


def wildcard_admin(statement: Any) -> str | None:
    """Why `statement` grants administrator-equivalent access, None when it does not."""
    if not isinstance(statement, Mapping) or statement.get("Effect", "Allow") != "Allow":
        return None
    actions = _action_scope(statement)
    resources = _resource_scope(statement) if actions else None
    return f"{actions} on {resources}" if resources else None


@rule(name="iam-no-wildcard-admin", level=MANDATORY)
def check_iam_wildcard(r: Resource, environment: str | None) -> Iterator[str]:
    """No policy document allows every action (or all of IAM) on every resource."""
    for path, document in policy_documents(r.inputs):
        for index, statement in enumerate(as_list(document.get("Statement"))):
            problem = wildcard_admin(statement)
            if problem:
                sid = statement.get("Sid") if isinstance(statement, Mapping) else None
                label = f"'{sid}'" if sid else f"#{index}"
                yield f"{path}: statement {label} allows {problem}"


_POLICY_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::(?:aws|\d{12}):policy/(?P<path>(?:.*/)?)(?P<name>[^/]+)$"
)
_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess")
# Inputs that attach managed policies by ARN (role/user/group attachments, role
# managedPolicyArns, exclusive attachments, IAM Identity Center permission sets).
_ARN_INPUTS = ("policyArn", "policyArns", "managedPolicyArn", "managedPolicyArns")


def broad_managed_policy(arn: Any) -> bool:
    """A `*FullAccess` policy or one named like AWS's administrator policies, whoever owns
    it: a customer-managed `MyFullAccess` is as suspect as `AmazonS3FullAccess`."""
    match = _POLICY_ARN.match(arn) if isinstance(arn, str) else None
    if not match:
        return False
    name = match["name"]
    if "fullaccess" in name.lower():
        return True
    if name.split("-")[0] in _ADMIN_POLICIES:
        return True
    return match["path"] == "job-function/" and name.endswith("Administrator")


@rule(
    name="iam-no-full-access-managed-policies",
    level=MANDATORY,
    description="No *FullAccess (or administrator) managed policy is attached.",
)
def check_full_access_policies(r: Resource, environment: str | None) -> Iterator[str]:
    arns = [arn for key in _ARN_INPUTS for arn in as_list(r.get(key))]
    for arn in arns:
        if broad_managed_policy(arn):
            yield f"attaches {arn}: use a least-privilege policy instead of a broad managed one"
