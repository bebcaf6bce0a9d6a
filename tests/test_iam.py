"""Least privilege over the whole plan of every shipped stack, judged by the policy rules.

Every IAM policy document anywhere in the plan — role inline policies, managed policies,
role policies, trust policies, bucket / repository / key / model-package-group resource
policies — is found by the rules' own walk over all resource inputs, so a new component is
covered without touching this file. The semantics (what counts as administrator-equivalent,
which managed policies are too broad) live in `policy/rules/iam.py` and are tested in
`tests/policy/rules/test_iam.py`; this file only applies them to every resource, components
included.
"""

from __future__ import annotations

from typing import Any

from infra.plan import Plan
from policy.rules import RULES_BY_NAME, Resource, evaluate, policy_documents

IAM_RULES = [RULES_BY_NAME["iam-no-wildcard-admin"],
             RULES_BY_NAME["iam-no-full-access-managed-policies"]]  # fmt: skip


def test_no_resource_grants_administrator_access(any_shipped_plan: Plan) -> None:
    resources = [Resource.from_plan(r) for r in any_shipped_plan.resources]
    offenders = [(f.policy, f.urn, f.message) for f in evaluate(resources, None, IAM_RULES)]
    assert offenders == []


def test_every_kind_of_policy_is_inspected(shipped_plan: Any) -> None:
    """The walk really reaches the documents the rule is about (it is not vacuous)."""
    plan: Plan = shipped_plan("prod")
    kinds = {
        (resource["type"], path.split(".")[-1])
        for resource in plan.resources
        for path, _ in policy_documents(resource["inputs"])
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
