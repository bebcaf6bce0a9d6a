"""The Output combinators give what the SDK functions they stand in for give: the same
string, the same dependencies, the same secret flag; the identity lookup is shared per run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components.aws_context import AwsIdentity, aws_identity
from components.output_values import concat, json_dumps, resolved
from infra.plan import SECRET_SHOWN, record_resources

Builder = Callable[[pulumi.Output[str], pulumi.Output[str]], pulumi.Input[str]]


def documents(arn: pulumi.Output[str], secret: pulumi.Output[str]) -> list[tuple[Any, Any]]:
    """(value for json_dumps, value for concat) pairs covering the shapes the platform uses."""
    statement = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [arn, "*"]}
    return [
        ({"Version": "2012-10-17", "Statement": [statement]}, ("arn:", arn, "/*")),
        ({"plain": [1, 2.5, True, None, ("a", "b")]}, ("no", "-", "outputs")),
        ({"nested": {"secret": secret, "list": [arn, [arn]]}}, (secret, ":", arn)),
        ({"empty": {}, "none": []}, ()),
        ({"only": pulumi.Output.from_input({"inner": arn})}, (arn,)),
    ]


def registered(build: Callable[[pulumi.Output[str], pulumi.Output[str]], list[Any]]) -> Any:
    """Inputs and dependencies of one bucket policy per value `build` returns."""

    def program() -> None:
        source = aws.s3.Bucket("source", bucket="source")
        secret = pulumi.Output.secret("hidden")
        for index, value in enumerate(build(source.arn, secret)):
            aws.s3.BucketPolicy(f"policy-{index}", bucket="target", policy=value)

    registrations = record_resources(program, stack="unit")[0]
    return [
        (r["name"], r["inputs"].get("policy"), r["dependsOn"])
        for r in sorted(registrations, key=lambda r: r["name"])
        if r["type"] == "aws:s3/bucketPolicy:BucketPolicy"
    ]


@pytest.mark.parametrize(
    ("ours", "sdk", "pick"),
    [
        (json_dumps, pulumi.Output.json_dumps, 0),
        (lambda parts: concat(*parts), lambda parts: pulumi.Output.concat(*parts), 1),
        (
            lambda value: resolved(value).apply(json.dumps),
            lambda value: pulumi.Output.from_input(value).apply(json.dumps),
            0,
        ),
    ],
    ids=["json_dumps", "concat", "resolved"],
)
def test_same_value_dependencies_and_secrecy_as_the_sdk(ours: Any, sdk: Any, pick: int) -> None:
    expected = registered(lambda arn, secret: [sdk(d[pick]) for d in documents(arn, secret)])
    actual = registered(lambda arn, secret: [ours(d[pick]) for d in documents(arn, secret)])
    assert actual == expected
    # Not vacuous: some values depend on the source bucket, one is a secret.
    assert any(deps for _, _, deps in actual)
    assert any(policy == SECRET_SHOWN for _, policy, _ in actual)


def test_one_identity_lookup_per_program_run() -> None:
    """Components share the run's account, region and partition Outputs (and so the
    combinations of them); a new run (a new event loop) looks them up afresh."""
    seen: list[AwsIdentity] = []

    def program() -> None:
        seen.extend([aws_identity(), aws_identity()])

    record_resources(program, stack="unit")
    record_resources(program, stack="unit")
    assert seen[0] is seen[1] and seen[2] is seen[3]
    assert seen[0] is not seen[2]
