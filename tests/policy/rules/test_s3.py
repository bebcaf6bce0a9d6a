"""S3 stack rules: encryption, public access block, TLS-only, each tied to its own bucket."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from components import Deployment, SecureBucket, SecureBucketArgs
from policy.rules import evaluate

from ..synth import KEY_ARN, TAGS, Case, case_id, check_case, doc, record

DENY_NO_TLS = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
S3_READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
ALL_FOUR = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


def secure_bucket() -> None:
    SecureBucket(
        "data",
        SecureBucketArgs(bucket_name="mlops-t-data", kms_key_arn=KEY_ARN),
        Deployment(stack="t", environment="dev", region="eu-west-1", tags=TAGS),
    )


def bare_bucket() -> None:
    aws.s3.Bucket("bare", bucket="mlops-t-bare", tags=TAGS)


def bucket_with(sse: str = "aws:kms", pab: dict | None = None, policy: str | None = None):
    def program() -> None:
        bucket = aws.s3.Bucket("b", bucket="b", tags=TAGS)
        aws.s3.BucketServerSideEncryptionConfiguration(
            "b-sse",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": sse}}],
        )
        aws.s3.BucketPublicAccessBlock("b-pab", bucket=bucket.id, **(pab or ALL_FOUR))
        aws.s3.BucketPolicy("b-policy", bucket=bucket.id, policy=policy or doc(DENY_NO_TLS))

    return program


CASES = [
    Case("s3-bucket-encryption", "dev", secure_bucket),
    Case("s3-bucket-encryption", "dev", bare_bucket, "no BucketServerSideEncryption", "bare"),
    Case("s3-bucket-encryption", "dev", bucket_with(sse="AES256"), "SSE-KMS", "b-sse"),
    Case("s3-public-access-block", "dev", secure_bucket),
    Case("s3-public-access-block", "dev", bare_bucket, "no BucketPublicAccessBlock", "bare"),
    Case(
        "s3-public-access-block",
        "dev",
        bucket_with(pab={**ALL_FOUR, "restrict_public_buckets": False}),
        "restrictPublicBuckets",
        "b-pab",
    ),
    Case("s3-tls-only", "dev", secure_bucket),
    Case("s3-tls-only", "dev", bucket_with()),
    # IAM action names are case-insensitive: this statement denies as much as "s3:*".
    Case("s3-tls-only", "dev", bucket_with(policy=doc({**DENY_NO_TLS, "Action": "S3:*"}))),
    Case("s3-tls-only", "dev", bare_bucket, "denying requests without TLS", "bare"),
    Case("s3-tls-only", "dev", bucket_with(policy=doc(S3_READ)), "deny requests", "b-policy"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)


def test_a_secure_bucket_passes_every_rule() -> None:
    assert evaluate(record(secure_bucket), "dev") == []


def test_bucket_settings_link_to_their_own_bucket() -> None:
    def two_buckets() -> None:
        secure_bucket()
        bare_bucket()

    findings = evaluate(record(two_buckets), "dev")
    assert findings, "the bare bucket must be reported"
    assert {f.urn.rsplit("::", 1)[-1] for f in findings} == {"bare"}
    assert {f.policy for f in findings} == {
        "s3-bucket-encryption",
        "s3-public-access-block",
        "s3-tls-only",
    }
