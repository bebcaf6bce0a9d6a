"""Tagging: required tags on every taggable type, matching the stack's environment."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pulumi_aws as aws
import pytest

from policy.rules import STATEFUL_TYPES
from policy.taggable_types import TAGGABLE_TYPES

from ..synth import TAGS, Case, case_id, check_case, record


def ingress_rule(tags: dict | None) -> Callable[[], None]:
    return lambda: aws.vpc.SecurityGroupIngressRule(
        "https",
        security_group_id="sg-1",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        cidr_ipv4="10.0.0.0/16",
        tags=tags,
    )


CASES = [
    Case("required-tags", "dev", ingress_rule(TAGS)),
    Case("required-tags", "dev", ingress_rule(None), "environment, owner, cost-center", "https"),
    Case(
        "required-tags",
        "dev",
        ingress_rule({"environment": "dev", "owner": "ml-platform"}),
        "missing required tags: cost-center",
    ),
    Case("required-tags", "prod", ingress_rule(TAGS), "does not match the stack's environment"),
    # Not taggable in pulumi-aws: nothing to require.
    Case("required-tags", "dev", lambda: aws.kms.Alias("alias", name="alias/x", target_key_id="k")),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


@pytest.mark.parametrize(
    "cls",
    [
        aws.s3.Bucket,
        aws.s3.BucketPolicy,
        aws.kms.Key,
        aws.kms.Alias,
        aws.ec2.Route,
        aws.vpc.SecurityGroupIngressRule,
        aws.iam.Role,
        aws.iam.RolePolicy,
        aws.sagemaker.FeatureGroup,
        aws.sagemaker.EndpointConfiguration,
        aws.eks.Addon,
        aws.eks.PodIdentityAssociation,
        aws.appautoscaling.Policy,
        aws.cloudwatch.Dashboard,
        aws.iam.OpenIdConnectProvider,
    ],
)
def test_taggable_types_follow_the_pulumi_aws_classes(cls: type) -> None:
    token = record(lambda: cls("x", **_required_placeholders(cls)))[0].type
    takes_tags = "tags" in inspect.signature(cls._internal_init).parameters
    assert (token in TAGGABLE_TYPES) == takes_tags


def _required_placeholders(cls: type) -> dict[str, str]:
    """A placeholder for each argument the SDK insists on."""
    source = inspect.getsource(cls._internal_init)
    marker = "raise TypeError(\"Missing required property '"
    return {line.split("'")[1]: "x" for line in source.splitlines() if marker in line}


def test_taggable_types_list_matches_the_installed_pulumi_aws() -> None:
    from policy.gen_taggable_types import TARGET, generate

    assert TARGET.read_text(encoding="utf-8") == generate()


def test_stateful_types_are_taggable() -> None:
    assert {t for t in STATEFUL_TYPES if t.startswith("aws:")} <= TAGGABLE_TYPES
