"""SecureBucket: private, versioned, KMS-encrypted, TLS-only, and kept in prod."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import Deployment, SecureBucket, SecureBucketArgs
from infra.plan import record_resources


def _bucket(environment: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    deployment = Deployment(
        stack=environment, environment=environment, region="eu-west-1",
        tags={"environment": environment}, protect_stateful=environment == "prod",
    )  # fmt: skip
    args = SecureBucketArgs(
        bucket_name="mlops-test-data-123456789012",
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k",
        **kwargs,
    )
    resources, _ = record_resources(lambda: SecureBucket("data", args, deployment))
    return {r["type"].rsplit(":", 1)[-1]: r for r in resources}


def test_objects_are_encrypted_with_the_platform_key_and_a_bucket_key() -> None:
    rule = _bucket("dev")["BucketServerSideEncryptionConfiguration"]["inputs"]["rules"][0]
    default = rule["applyServerSideEncryptionByDefault"]
    assert default == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k",
    }
    assert rule["bucketKeyEnabled"] is True


def test_every_public_access_path_is_blocked_and_acls_are_disabled() -> None:
    resources = _bucket("dev")
    block = resources["BucketPublicAccessBlock"]["inputs"]
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                 "restrictPublicBuckets"):  # fmt: skip
        assert block[flag] is True, flag
    ownership = resources["BucketOwnershipControls"]["inputs"]["rule"]
    assert ownership == {"objectOwnership": "BucketOwnerEnforced"}


def test_policy_denies_requests_without_tls() -> None:
    policy = json.loads(_bucket("dev")["BucketPolicy"]["inputs"]["policy"])
    denies = {s["Sid"]: s for s in policy["Statement"] if s["Effect"] == "Deny"}
    insecure = denies["DenyInsecureTransport"]
    assert insecure["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert insecure["Principal"] == "*" and insecure["Action"] == "s3:*"
    assert set(insecure["Resource"]) == {
        "arn:aws:s3:::mlops-test-data-123456789012",
        "arn:aws:s3:::mlops-test-data-123456789012/*",
    }
    assert denies["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}


def test_extra_statements_join_the_tls_denies() -> None:
    extra = {"Sid": "SageMakerWritesCapture", "Effect": "Allow", "Action": "s3:PutObject",
             "Principal": {"Service": "sagemaker.amazonaws.com"}, "Resource": "arn:x"}  # fmt: skip
    policy = json.loads(
        _bucket("dev", extra_policy_statements=[extra])["BucketPolicy"]["inputs"]["policy"]
    )
    assert [s["Sid"] for s in policy["Statement"]] == [
        "DenyInsecureTransport", "DenyOutdatedTls", "SageMakerWritesCapture",
    ]  # fmt: skip


def test_versions_are_kept_and_expire_with_stale_uploads_aborted() -> None:
    resources = _bucket("dev", noncurrent_version_days=30)
    assert resources["BucketVersioning"]["inputs"]["versioningConfiguration"] == {
        "status": "Enabled"
    }
    rule = resources["BucketLifecycleConfiguration"]["inputs"]["rules"][0]
    assert rule["status"] == "Enabled"
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


@pytest.mark.parametrize(("environment", "kept"), [("dev", False), ("prod", True)])
def test_prod_buckets_are_protected_retained_and_never_force_destroyed(
    environment: str, kept: bool
) -> None:
    bucket = _bucket(environment)["Bucket"]
    assert bucket["protect"] is kept
    assert bucket["retainOnDelete"] is kept
    assert bucket["inputs"]["forceDestroy"] is (not kept)


def test_policy_waits_for_the_public_access_block() -> None:
    resources = _bucket("dev")
    assert resources["BucketPublicAccessBlock"]["urn"] in resources["BucketPolicy"]["dependsOn"]
