"""IAM: administrator-equivalent statements and broad managed policies, in every place a
policy document or a managed-policy ARN can appear."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pytest

from policy.rules import Resource

from ..synth import TAGS, Case, case_id, check_case, doc, findings_of

ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
S3_READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}


def iam_policy(*statements: dict) -> Callable[[], None]:
    return lambda: aws.iam.Policy("p", policy=doc(*statements), tags=TAGS)


def role_inline(*statements: dict) -> Callable[[], None]:
    return lambda: aws.iam.Role(
        "r",
        assume_role_policy=doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        inline_policies=[{"name": "inline", "policy": doc(*statements)}],
        tags=TAGS,
    )


def repository_policy(*statements: dict) -> Callable[[], None]:
    return lambda: aws.ecr.RepositoryPolicy("rp", repository="repo", policy=doc(*statements))


def attachment(arn: str) -> Callable[[], None]:
    return lambda: aws.iam.RolePolicyAttachment("att", role="r", policy_arn=arn)


def role_managed(arn: str) -> Callable[[], None]:
    return lambda: aws.iam.Role(
        "r", assume_role_policy=doc(S3_READ), managed_policy_arns=[arn], tags=TAGS
    )


def permission_set_attachment(arn: str) -> Callable[[], None]:
    return lambda: aws.ssoadmin.ManagedPolicyAttachment(
        "sso",
        instance_arn="arn:aws:sso:::instance/ssoins-1",
        permission_set_arn="arn:aws:sso:::permissionSet/ssoins-1/ps-1",
        managed_policy_arn=arn,
    )


CASES = [
    Case("iam-no-wildcard-admin", "dev", iam_policy(S3_READ)),
    Case("iam-no-wildcard-admin", "dev", iam_policy({**ADMIN, "Effect": "Deny"})),
    Case("iam-no-wildcard-admin", "dev", iam_policy(S3_READ, ADMIN), 'Action "*"', "p"),
    Case("iam-no-wildcard-admin", "dev", role_inline(ADMIN), "inlinePolicies[0].policy", "r"),
    Case("iam-no-wildcard-admin", "dev", repository_policy(ADMIN), "statement #0", "rp"),
    Case(
        "iam-no-wildcard-admin",
        "dev",
        iam_policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        "NotAction",
    ),
    Case(
        "iam-no-full-access-managed-policies",
        "dev",
        attachment("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ),
    Case(
        "iam-no-full-access-managed-policies",
        "dev",
        attachment("arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        "AmazonS3FullAccess",
        "att",
    ),
    Case(
        "iam-no-full-access-managed-policies",
        "dev",
        role_managed("arn:aws:iam::aws:policy/AdministratorAccess"),
        "AdministratorAccess",
        "r",
    ),
    Case(
        "iam-no-full-access-managed-policies",
        "dev",
        permission_set_attachment("arn:aws:iam::aws:policy/PowerUserAccess"),
        "PowerUserAccess",
        "sso",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


def _policy_resource(statement: dict) -> Resource:
    return Resource("aws:iam/policy:Policy", {"policy": doc(statement)}, "urn:test::p", "p")


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, 'Action "*" on Resource "*"'),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]}, 'Action "*"'),
        ({"Effect": "Allow", "Action": "*:*", "Resource": "*"}, 'Action "*:*"'),
        # Everything except one bucket is still everything that matters.
        ({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}, "NotResource"),
        ({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, "NotAction"),
        ({"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::x"}, "NotAction"),
        # All of IAM on every resource grants itself everything else.
        ({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, "all of IAM"),
        ({"Effect": "Allow", "Action": "IAM:*", "Resource": "*"}, "all of IAM"),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:*:*:*:*"}, "arn:aws:*:*:*:*"),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:*"}, 'Resource "arn:*"'),
        # IAM's default effect is not Deny: a statement without Effect is not harmless.
        ({"Action": "*", "Resource": "*"}, 'Action "*"'),
    ],
)
def test_administrator_equivalent_statements_fail(statement: dict, why: str) -> None:
    findings = findings_of("iam-no-wildcard-admin", [_policy_resource(statement)], "dev")
    assert [why in f.message for f in findings] == [True], findings


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::x"},
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"},
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:*:eu-west-1:123456789012:*"},
        {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::123456789012:role/x"},
        {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "arn:aws:s3:::b"},
        {"Effect": "Allow", "Action": "ecr:BatchGetImage"},
    ],
)
def test_scoped_statements_pass(statement: dict) -> None:
    assert findings_of("iam-no-wildcard-admin", [_policy_resource(statement)], "dev") == []


@pytest.mark.parametrize(
    ("arn", "broad"),
    [
        ("arn:aws:iam::aws:policy/AmazonSageMakerFullAccess", True),
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", True),
        ("arn:aws:iam::aws:policy/AdministratorAccess", True),
        ("arn:aws:iam::aws:policy/AdministratorAccess-Amplify", True),
        ("arn:aws:iam::aws:policy/job-function/SystemAdministrator", True),
        ("arn:aws-us-gov:iam::aws:policy/service-role/AWSGlueServiceRoleFullAccess", True),
        # Customer-managed names are judged like AWS-managed ones.
        ("arn:aws:iam::123456789012:policy/MyFullAccess", True),
        ("arn:aws:iam::123456789012:policy/teams/fraud-fullaccess", True),
        ("arn:aws:iam::123456789012:policy/AdministratorAccess", True),
        ("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", False),
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", False),
        ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", False),
        ("arn:aws:iam::123456789012:policy/TeamReadAccess", False),
    ],
)
def test_broad_managed_policies_by_name(arn: str, broad: bool) -> None:
    inputs = {"role": "r", "policyArn": arn}
    resource = Resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", inputs, "urn:a", "a")
    findings = findings_of("iam-no-full-access-managed-policies", [resource], "dev")
    assert bool(findings) is broad
