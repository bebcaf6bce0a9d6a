"""What a team needs before `pulumi login s3://...`: a protected state bucket and a KMS key.

Idempotent by construction: every protection is read first and written only when missing,
so a second run changes nothing and says so. A bucket that already exists but lacks a
protection is reported as drift and left alone unless `fix=True`, since it may belong to
a team that has reasons we cannot see.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from .aws import Aws, AwsError, describe_error, error_code
from .report import Report, Status
from .service_linked_roles import ensure_service_linked_roles

DEFAULT_NONCURRENT_DAYS = 90
ABORT_MULTIPART_DAYS = 7
TLS_SID = "DenyInsecureTransport"
LIFECYCLE_RULE_ID = "expire-noncurrent-state-versions"
MANAGED_BY_TAG = {"TagKey": "managed-by", "TagValue": "mlops-platform-bootstrap"}

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


def default_alias(bucket: str) -> str:
    """The KMS alias used when none is given: one per state bucket."""
    return "alias/pulumi-state-" + re.sub(r"[^a-zA-Z0-9_-]", "-", bucket)


def normalize_alias(alias: str) -> str:
    return alias if alias.startswith("alias/") else f"alias/{alias}"


@dataclass
class _Context:
    aws: Aws
    bucket: str
    key_arn: str
    noncurrent_days: int


@dataclass(frozen=True)
class _Protection:
    """One property the state bucket must have: how to read it and how to apply it."""

    name: str
    check: Callable[[Any, _Context], tuple[bool, str]]
    apply: Callable[[Any, _Context], None]


def _missing(exc: ClientError, *codes: str) -> bool:
    return error_code(exc) in codes


# -- public access block -------------------------------------------------------------------
_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _check_public_block(s3: Any, ctx: _Context) -> tuple[bool, str]:
    try:
        conf = s3.get_public_access_block(Bucket=ctx.bucket)["PublicAccessBlockConfiguration"]
    except ClientError as exc:
        if _missing(exc, "NoSuchPublicAccessBlockConfiguration"):
            return False, "no public access block"
        raise
    off = [k for k in _BLOCK_KEYS if not conf.get(k)]
    return (not off), ("all four blocks on" if not off else f"off: {', '.join(off)}")


def _apply_public_block(s3: Any, ctx: _Context) -> None:
    s3.put_public_access_block(
        Bucket=ctx.bucket, PublicAccessBlockConfiguration={k: True for k in _BLOCK_KEYS}
    )


# -- object ownership ----------------------------------------------------------------------
def _check_ownership(s3: Any, ctx: _Context) -> tuple[bool, str]:
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=ctx.bucket)["OwnershipControls"]["Rules"]
    except ClientError as exc:
        if _missing(exc, "OwnershipControlsNotFoundError"):
            return False, "no ownership controls (ACLs still apply)"
        raise
    values = [r.get("ObjectOwnership") for r in rules]
    ok = values == ["BucketOwnerEnforced"]
    return ok, "BucketOwnerEnforced (ACLs disabled)" if ok else f"ObjectOwnership={values}"


def _apply_ownership(s3: Any, ctx: _Context) -> None:
    s3.put_bucket_ownership_controls(
        Bucket=ctx.bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )


# -- default encryption --------------------------------------------------------------------
def _check_encryption(s3: Any, ctx: _Context) -> tuple[bool, str]:
    try:
        rules = s3.get_bucket_encryption(Bucket=ctx.bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
    except ClientError as exc:
        if _missing(exc, "ServerSideEncryptionConfigurationNotFoundError"):
            return False, "no default encryption"
        raise
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
            key = default.get("KMSMasterKeyID") or "aws/s3"
            if not rule.get("BucketKeyEnabled"):
                return False, f"SSE-KMS ({key}) without bucket key"
            return True, f"SSE-KMS with bucket key ({key})"
    algorithms = [
        r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules
    ]
    return False, f"default encryption is {', '.join(map(str, algorithms))}, not SSE-KMS"


def _apply_encryption(s3: Any, ctx: _Context) -> None:
    s3.put_bucket_encryption(
        Bucket=ctx.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": ctx.key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


# -- versioning ----------------------------------------------------------------------------
def _check_versioning(s3: Any, ctx: _Context) -> tuple[bool, str]:
    status = s3.get_bucket_versioning(Bucket=ctx.bucket).get("Status")
    return status == "Enabled", f"versioning {status or 'never enabled'}"


def _apply_versioning(s3: Any, ctx: _Context) -> None:
    s3.put_bucket_versioning(Bucket=ctx.bucket, VersioningConfiguration={"Status": "Enabled"})


# -- TLS-only bucket policy ----------------------------------------------------------------
def _read_policy(s3: Any, bucket: str) -> dict[str, Any] | None:
    try:
        policy: dict[str, Any] = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        return policy
    except ClientError as exc:
        if _missing(exc, "NoSuchBucketPolicy"):
            return None
        raise


def _denies_insecure_transport(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal not in ("*", {"AWS": "*"}):
        return False
    actions = statement.get("Action")
    actions = [actions] if isinstance(actions, str) else list(actions or [])
    if "s3:*" not in actions and "*" not in actions:
        return False
    secure = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
    return str(secure).lower() == "false"


def _check_tls_policy(s3: Any, ctx: _Context) -> tuple[bool, str]:
    policy = _read_policy(s3, ctx.bucket)
    if policy is None:
        return False, "no bucket policy (plain HTTP allowed)"
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if any(_denies_insecure_transport(s) for s in statements):
        return True, "denies requests without TLS"
    return False, "bucket policy does not deny plain HTTP"


def _apply_tls_policy(s3: Any, ctx: _Context) -> None:
    policy = _read_policy(s3, ctx.bucket) or {"Version": "2012-10-17", "Statement": []}
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    # Keep whatever the owner already granted; only add (or replace) our own statement.
    statements = [s for s in statements if s.get("Sid") != TLS_SID]
    statements.append(
        {
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{ctx.bucket}", f"arn:aws:s3:::{ctx.bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    policy["Statement"] = statements
    s3.put_bucket_policy(Bucket=ctx.bucket, Policy=json.dumps(policy))


# -- lifecycle -----------------------------------------------------------------------------
def _read_lifecycle(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        rules: list[dict[str, Any]] = s3.get_bucket_lifecycle_configuration(Bucket=bucket).get(
            "Rules", []
        )
        return rules
    except ClientError as exc:
        if _missing(exc, "NoSuchLifecycleConfiguration"):
            return []
        raise


def _check_lifecycle(s3: Any, ctx: _Context) -> tuple[bool, str]:
    enabled = [r for r in _read_lifecycle(s3, ctx.bucket) if r.get("Status") == "Enabled"]
    expiry = [r for r in enabled if "NoncurrentVersionExpiration" in r]
    abort = [r for r in enabled if "AbortIncompleteMultipartUpload" in r]
    lacking = []
    if not expiry:
        lacking.append("no rule expiring noncurrent versions")
    if not abort:
        lacking.append("no rule aborting incomplete multipart uploads")
    if lacking:
        return False, "; ".join(lacking)
    days = expiry[0]["NoncurrentVersionExpiration"].get("NoncurrentDays")
    return True, f"noncurrent versions expire after {days} days, stale uploads aborted"


def _apply_lifecycle(s3: Any, ctx: _Context) -> None:
    rules = [r for r in _read_lifecycle(s3, ctx.bucket) if r.get("ID") != LIFECYCLE_RULE_ID]
    rules.append(
        {
            "ID": LIFECYCLE_RULE_ID,
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "NoncurrentVersionExpiration": {"NoncurrentDays": ctx.noncurrent_days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
        }
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=ctx.bucket, LifecycleConfiguration={"Rules": rules}
    )


# Order matters on creation: block public access before anything else is set.
PROTECTIONS: tuple[_Protection, ...] = (
    _Protection("public access block", _check_public_block, _apply_public_block),
    _Protection("object ownership", _check_ownership, _apply_ownership),
    _Protection("default encryption", _check_encryption, _apply_encryption),
    _Protection("versioning", _check_versioning, _apply_versioning),
    _Protection("TLS-only policy", _check_tls_policy, _apply_tls_policy),
    _Protection("lifecycle", _check_lifecycle, _apply_lifecycle),
)


@dataclass(frozen=True)
class BootstrapResult:
    """What bootstrap found and did; `report` holds one row per resource or protection."""

    report: Report
    bucket: str
    alias: str
    region: str

    @property
    def drift(self) -> bool:
        return bool(self.report.failures)

    @property
    def changed(self) -> bool:
        return bool(self.report.changes)


def _ensure_key(aws: Aws, alias: str, bucket: str, fix: bool, report: Report) -> str:
    kms = aws.client("kms")
    try:
        meta = kms.describe_key(KeyId=alias)["KeyMetadata"]
    except ClientError as exc:
        if not _missing(exc, "NotFoundException"):
            raise
        meta = None
    if meta is None:
        meta = kms.create_key(
            Description=f"Pulumi secrets provider and state encryption (s3://{bucket})",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=[MANAGED_BY_TAG],
        )["KeyMetadata"]
        kms.enable_key_rotation(KeyId=meta["KeyId"])
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        report.add("KMS key", Status.CREATED, f"{meta['KeyId']}, rotation on")
        report.add("KMS alias", Status.CREATED, f"{alias} -> {meta['KeyId']}")
        return str(meta["Arn"])

    key_id = meta["KeyId"]
    if meta.get("KeyState") != "Enabled":
        raise AwsError(
            f"KMS key {key_id} behind {alias} is {meta.get('KeyState')}: enable it or pass "
            "another --kms-alias"
        )
    if meta.get("KeyManager") == "AWS":
        raise AwsError(f"{alias} is an AWS managed key: pass an alias of your own key")
    rotation = kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled")
    if rotation:
        report.add("KMS key", Status.OK, f"{key_id}, rotation on")
    elif fix:
        kms.enable_key_rotation(KeyId=key_id)
        report.add("KMS key", Status.FIXED, f"{key_id}, rotation turned on")
    else:
        report.add("KMS key", Status.DRIFT, f"{key_id}: automatic rotation is off")
    report.add("KMS alias", Status.OK, f"{alias} -> {key_id}")
    return str(meta["Arn"])


def _bucket_exists(aws: Aws, bucket: str) -> bool:
    """True when the bucket is ours, False when nobody has it; errors otherwise."""
    try:
        head = aws.client("s3").head_bucket(Bucket=bucket)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if error_code(exc) in ("404", "NoSuchBucket") or status == 404:
            return False
        if error_code(exc) == "403" or status == 403:
            raise AwsError(
                f"bucket '{bucket}' exists but this account cannot use it (owned by another "
                "account, or your credentials lack s3:ListBucket on it): pick another --bucket"
            ) from None
        if error_code(exc) == "301" or status == 301:
            raise AwsError(describe_error(exc, region=aws.region)) from None
        raise
    # botocore follows S3's cross-region redirect by itself, so a bucket elsewhere answers
    # 200 too; writing to it would leave the login command pointing at the wrong region.
    headers = head.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    actual = head.get("BucketRegion") or headers.get("x-amz-bucket-region")
    if actual and actual != aws.region:
        raise AwsError(
            f"bucket '{bucket}' is in {actual}, not {aws.region}: rerun with --region {actual}"
        )
    return True


def _create_bucket(aws: Aws, bucket: str) -> None:
    kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
    if aws.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    aws.client("s3").create_bucket(**kwargs)


def run_bootstrap(
    aws: Aws,
    bucket: str,
    alias: str | None = None,
    fix: bool = False,
    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS,
) -> BootstrapResult:
    """Create or check the state bucket and KMS key, and check (with `fix`: create) the
    service-linked roles a first deploy needs. Raises AwsError on AWS failures."""
    alias = normalize_alias(alias or default_alias(bucket))
    report = Report(f"state backend s3://{bucket} ({aws.region})")
    try:
        key_arn = _ensure_key(aws, alias, bucket, fix, report)
        ctx = _Context(aws, bucket, key_arn, noncurrent_days)
        s3 = aws.client("s3")
        if not _bucket_exists(aws, bucket):
            _create_bucket(aws, bucket)
            report.add("bucket", Status.CREATED, f"s3://{bucket} in {aws.region}")
            for protection in PROTECTIONS:
                protection.apply(s3, ctx)
                _, detail = protection.check(s3, ctx)
                report.add(protection.name, Status.CREATED, detail)
        else:
            report.add("bucket", Status.OK, f"s3://{bucket} exists in this account")
            for protection in PROTECTIONS:
                ok, detail = protection.check(s3, ctx)
                if ok:
                    report.add(protection.name, Status.OK, detail)
                elif fix:
                    protection.apply(s3, ctx)
                    _, after = protection.check(s3, ctx)
                    report.add(protection.name, Status.FIXED, f"{detail} -> {after}")
                else:
                    report.add(protection.name, Status.DRIFT, detail)
        ensure_service_linked_roles(aws, report, fix)
    except (BotoCoreError, ClientError) as exc:
        raise AwsError(describe_error(exc, region=aws.region)) from None
    return BootstrapResult(report, bucket, alias, aws.region)


def next_steps(result: BootstrapResult, endpoint_url: str | None, stacks: list[str]) -> list[str]:
    """The exact commands to run next: log in to the bucket, create stacks with the key."""
    params = [f"region={result.region}"]
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        params.append(f"endpoint={quote(parts.netloc or parts.path, safe='')}")
        if parts.scheme == "http":
            params.append("disableSSL=true")
        params.append("s3ForcePathStyle=true")
    else:
        params.append("awssdk=v2")
    login = f"s3://{result.bucket}?{'&'.join(params)}"
    secrets = f"awskms://{result.alias}?region={result.region}"
    commands = [f"pulumi login {shlex.quote(login)}"]
    commands += [
        f"pulumi stack init {stack} --secrets-provider {shlex.quote(secrets)}" for stack in stacks
    ]
    return commands
