"""SecureBucket: the one way the platform stores objects in S3."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .context import Deployment
from .iam import Statement, policy_document
from .output_values import concat


@dataclass
class SecureBucketArgs:
    """Inputs of a SecureBucket.

    Args:
        bucket_name: Physical bucket name (globally unique).
        kms_key_arn: Customer-managed key for SSE-KMS.
        noncurrent_version_days: Days old object versions are kept before expiry.
        extra_policy_statements: Statements added to the bucket policy (for example a
            service principal writing data capture); the TLS-only denies are always there.
    """

    bucket_name: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    noncurrent_version_days: int = 90
    extra_policy_statements: Sequence[Statement] = field(default_factory=list)


class SecureBucket(pulumi.ComponentResource):
    """An S3 bucket that is private, versioned, KMS-encrypted and TLS-only.

    Creates the bucket with ownership enforced (no ACLs), all four public-access blocks,
    SSE-KMS with an S3 bucket key (fewer KMS calls, lower cost), a policy denying any
    request without TLS 1.2+, and a lifecycle that expires old versions and aborts stale
    multipart uploads. In prod the bucket is protected and retained and never force-destroyed.

    Outputs:
        bucket: Bucket name.
        arn: Bucket ARN.
    """

    bucket: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SecureBucketArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:storage:SecureBucket", name, None, opts)
        bucket = aws.s3.Bucket(
            name,
            bucket=args.bucket_name,
            force_destroy=not deployment.protect_stateful,
            tags=deployment.tagged(),
            opts=deployment.stateful(self),
        )
        access_controls = self._access_controls(name, bucket)
        self._data_settings(name, bucket, args)
        # S3 rejects concurrent configuration calls on one bucket; the policy goes last.
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=policy_document(_policy_statements(bucket.arn, args)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=access_controls),
        )

        self.bucket = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"bucket": self.bucket, "arn": self.arn})

    def _access_controls(self, name: str, bucket: aws.s3.Bucket) -> list[pulumi.Resource]:
        """Owner-enforced objects (no ACLs) and every public-access block on."""
        child = pulumi.ResourceOptions(parent=self)
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        return [public_access, ownership]

    def _data_settings(self, name: str, bucket: aws.s3.Bucket, args: SecureBucketArgs) -> None:
        """Versioning, SSE-KMS with a bucket key, and expiry of old versions and uploads."""
        child = pulumi.ResourceOptions(parent=self)
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": args.kms_key_arn,
                    },
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {
                        "noncurrent_days": args.noncurrent_version_days
                    },
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )


def _policy_statements(
    bucket_arn: pulumi.Output[str], args: SecureBucketArgs
) -> list[dict[str, Any]]:
    """TLS 1.2+ only, for everyone, plus the caller's statements."""
    objects = concat(bucket_arn, "/*")
    return [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyOutdatedTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, objects],
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
        *(dict(s) for s in args.extra_policy_statements),
    ]
