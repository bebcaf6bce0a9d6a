"""Least privilege over the whole plan of every shipped stack.

Every IAM policy document anywhere in the plan — role inline policies, managed policies,
role policies, trust policies, bucket / repository / key / model-package-group resource
policies — is found by walking all resource inputs, so a new component is covered without
touching this file. No statement may allow every action on every resource, and no AWS
managed `*FullAccess` (or AdministratorAccess) policy may be attached.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from infra.plan import Plan

BROAD_MANAGED_POLICY = re.compile(
    r"^arn:aws[a-z-]*:iam::aws:policy/(.+/)?([^/]*FullAccess|AdministratorAccess)$"
)
WILDCARD_ACTIONS = {"*", "*:*"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def policy_documents(resource: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(input path, document) of every policy document in a resource's inputs."""
    for path, value in _walk(resource["inputs"], "inputs"):
        document = value
        if isinstance(value, str) and '"Statement"' in value:
            try:
                document = json.loads(value)
            except ValueError:
                continue
        if isinstance(document, dict) and "Statement" in document:
            yield path, document


def wildcard_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements allowing every action on every resource."""
    found = []
    for statement in _as_list(document.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        every_action = bool(WILDCARD_ACTIONS & set(_as_list(statement.get("Action"))))
        every_resource = "*" in _as_list(statement.get("Resource")) or "NotResource" in statement
        if every_action and every_resource:
            found.append(statement)
    return found


def broad_managed_policies(resource: dict[str, Any]) -> list[str]:
    return [
        f"{path}={value}"
        for path, value in _walk(resource["inputs"], "inputs")
        if isinstance(value, str) and BROAD_MANAGED_POLICY.match(value)
    ]


def test_no_statement_allows_everything_on_everything(any_shipped_plan: Plan) -> None:
    offenders = [
        f"{resource['urn']} {path}: {statement}"
        for resource in any_shipped_plan.resources
        for path, document in policy_documents(resource)
        for statement in wildcard_statements(document)
    ]
    assert offenders == []


def test_no_full_access_managed_policy_is_attached(any_shipped_plan: Plan) -> None:
    offenders = [
        f"{resource['urn']} {hit}"
        for resource in any_shipped_plan.resources
        for hit in broad_managed_policies(resource)
    ]
    assert offenders == []


def test_every_kind_of_policy_is_inspected(shipped_plan: Any) -> None:
    """The walk really reaches the documents the rule is about (it is not vacuous)."""
    plan: Plan = shipped_plan("prod")
    kinds = {
        (resource["type"], path.split(".")[-1])
        for resource in plan.resources
        for path, _ in policy_documents(resource)
    }
    for expected in (
        ("aws:iam/role:Role", "assumeRolePolicy"),
        ("aws:iam/rolePolicy:RolePolicy", "policy"),
        ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
        ("aws:kms/key:Key", "policy"),
        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
        ("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", "resourcePolicy"),
    ):
        assert expected in kinds, expected


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]},
        {"Effect": "Allow", "Action": "*:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"},
    ],
)
def test_the_rule_catches_wildcards(statement: dict[str, Any]) -> None:
    resource = {
        "urn": "urn:test",
        "inputs": {
            "inlinePolicies": [
                {
                    "name": "p",
                    "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
                }
            ]
        },
    }
    [(path, document)] = list(policy_documents(resource))
    assert path == "inputs.inlinePolicies[0].policy"
    assert wildcard_statements(document) == [statement]


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"},
        {"Effect": "Allow", "Action": "ecr:BatchGetImage"},
    ],
)
def test_the_rule_leaves_scoped_statements_alone(statement: dict[str, Any]) -> None:
    assert wildcard_statements({"Statement": [statement]}) == []


@pytest.mark.parametrize(
    ("arn", "broad"),
    [
        ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", True),
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", True),
        ("arn:aws:iam::aws:policy/AdministratorAccess", True),
        ("arn:aws-us-gov:iam::aws:policy/service-role/AWSGlueServiceRoleFullAccess", True),
        ("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", False),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", False),
        ("arn:aws:iam::123456789012:policy/TeamFullAccess", False),
    ],
)
def test_the_rule_spots_broad_managed_policies(arn: str, broad: bool) -> None:
    resource = {"urn": "urn:test", "inputs": {"managedPolicyArns": [arn], "policyArn": arn}}
    assert bool(broad_managed_policies(resource)) is broad
