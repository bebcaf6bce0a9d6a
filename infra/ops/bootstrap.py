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
from .service_linked_roles import (
    RoleState,
    create_missing_roles,
    read_service_linked_roles,
    report_service_linked_roles,
)

DEFAULT_NONCURRENT_DAYS = 90
ABORT_MULTIPART_DAYS = 7
TLS_SID = "DenyInsecureTransport"
LIFECYCLE_RULE_ID = "expire-noncurrent-state-versions"
# Pulumi's S3 backend keeps every stack's state, history and backups under this prefix;
# lifecycle rules we add never reach anything else the bucket may hold.
STATE_PREFIX = ".pulumi/"
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
    account: str


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
        conf = s3.get_public_access_block(Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account)[
            "PublicAccessBlockConfiguration"
        ]
    except ClientError as exc:
        if _missing(exc, "NoSuchPublicAccessBlockConfiguration"):
            return False, "no public access block"
        raise
    off = [k for k in _BLOCK_KEYS if not conf.get(k)]
    return (not off), ("all four blocks on" if not off else f"off: {', '.join(off)}")


def _apply_public_block(s3: Any, ctx: _Context) -> None:
    s3.put_public_access_block(
        Bucket=ctx.bucket,
        ExpectedBucketOwner=ctx.account,
        PublicAccessBlockConfiguration={k: True for k in _BLOCK_KEYS},
    )


# -- object ownership ----------------------------------------------------------------------
def _check_ownership(s3: Any, ctx: _Context) -> tuple[bool, str]:
    try:
        rules = s3.get_bucket_ownership_controls(
            Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account
        )["OwnershipControls"]["Rules"]
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
        ExpectedBucketOwner=ctx.account,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )


# -- default encryption --------------------------------------------------------------------
def _check_encryption(s3: Any, ctx: _Context) -> tuple[bool, str]:
    try:
        rules = s3.get_bucket_encryption(Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account)[
            "ServerSideEncryptionConfiguration"
        ]["Rules"]
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
        ExpectedBucketOwner=ctx.account,
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
    status = s3.get_bucket_versioning(Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account).get(
        "Status"
    )
    return status == "Enabled", f"versioning {status or 'never enabled'}"


def _apply_versioning(s3: Any, ctx: _Context) -> None:
    s3.put_bucket_versioning(
        Bucket=ctx.bucket,
        ExpectedBucketOwner=ctx.account,
        VersioningConfiguration={"Status": "Enabled"},
    )


# -- TLS-only bucket policy ----------------------------------------------------------------
def _read_policy(s3: Any, ctx: _Context) -> dict[str, Any] | None:
    try:
        text = s3.get_bucket_policy(Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account)["Policy"]
        policy: dict[str, Any] = json.loads(text)
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


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _check_tls_policy(s3: Any, ctx: _Context) -> tuple[bool, str]:
    policy = _read_policy(s3, ctx)
    if policy is None:
        return False, "no bucket policy (plain HTTP allowed)"
    statements = _statements(policy)
    if any(_denies_insecure_transport(s) for s in statements):
        return True, "denies requests without TLS"
    if any(s.get("Sid") == TLS_SID for s in statements):
        # Never rewrite a statement someone else edited: its Sid is ours, its content is not.
        raise AwsError(
            f"bucket policy statement '{TLS_SID}' on '{ctx.bucket}' does not deny plain HTTP: "
            "fix or rename it, then rerun"
        )
    return False, "bucket policy does not deny plain HTTP"


def _apply_tls_policy(s3: Any, ctx: _Context) -> None:
    policy = _read_policy(s3, ctx) or {"Version": "2012-10-17"}
    # Merge only: every existing statement stays exactly as it was; ours is appended.
    policy["Statement"] = [
        *_statements(policy),
        {
            "Sid": TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{ctx.bucket}", f"arn:aws:s3:::{ctx.bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
    s3.put_bucket_policy(
        Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account, Policy=json.dumps(policy)
    )


# -- lifecycle -----------------------------------------------------------------------------
def _read_lifecycle(s3: Any, ctx: _Context) -> dict[str, Any]:
    try:
        conf: dict[str, Any] = s3.get_bucket_lifecycle_configuration(
            Bucket=ctx.bucket, ExpectedBucketOwner=ctx.account
        )
        return conf
    except ClientError as exc:
        if _missing(exc, "NoSuchLifecycleConfiguration"):
            return {}
        raise


def _rule_prefix(rule: dict[str, Any]) -> str | None:
    """The key prefix a rule applies to; None when it also filters on tags or sizes."""
    if "Filter" not in rule:
        return str(rule.get("Prefix", ""))
    keys = set(rule["Filter"])
    if keys <= {"Prefix"}:
        return str(rule["Filter"].get("Prefix", ""))
    return None


def _covers_state(rule: dict[str, Any]) -> bool:
    prefix = _rule_prefix(rule)
    return (
        rule.get("Status") == "Enabled" and prefix is not None and STATE_PREFIX.startswith(prefix)
    )


def _check_lifecycle(s3: Any, ctx: _Context) -> tuple[bool, str]:
    rules = _read_lifecycle(s3, ctx).get("Rules", [])
    covering = [r for r in rules if _covers_state(r)]
    expiry = [r for r in covering if "NoncurrentVersionExpiration" in r]
    abort = [r for r in covering if "AbortIncompleteMultipartUpload" in r]
    lacking = []
    if not expiry:
        lacking.append(f"no rule expiring noncurrent versions under {STATE_PREFIX}")
    if not abort:
        lacking.append(f"no rule aborting incomplete multipart uploads under {STATE_PREFIX}")
    if lacking and any(r.get("ID") == LIFECYCLE_RULE_ID for r in rules):
        raise AwsError(
            f"lifecycle rule '{LIFECYCLE_RULE_ID}' on '{ctx.bucket}' was changed by someone "
            f"else ({'; '.join(lacking)}): fix or rename it, then rerun"
        )
    if lacking:
        return False, "; ".join(lacking)
    days = expiry[0]["NoncurrentVersionExpiration"].get("NoncurrentDays")
    return (
        True,
        f"noncurrent {STATE_PREFIX} versions expire after {days} days, stale uploads aborted",
    )


def _apply_lifecycle(s3: Any, ctx: _Context) -> None:
    conf = _read_lifecycle(s3, ctx)
    # Merge only, scoped to the state prefix: other rules stay exactly as they were.
    rules = [
        *conf.get("Rules", []),
        {
            "ID": LIFECYCLE_RULE_ID,
            "Status": "Enabled",
            "Filter": {"Prefix": STATE_PREFIX},
            "NoncurrentVersionExpiration": {"NoncurrentDays": ctx.noncurrent_days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
        },
    ]
    extra = {}
    if "TransitionDefaultMinimumObjectSize" in conf:
        extra["TransitionDefaultMinimumObjectSize"] = conf["TransitionDefaultMinimumObjectSize"]
    s3.put_bucket_lifecycle_configuration(
        Bucket=ctx.bucket,
        ExpectedBucketOwner=ctx.account,
        LifecycleConfiguration={"Rules": rules},
        **extra,
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


_KEY_STATE_FIX = {
    "PendingDeletion": "cancel the deletion (aws kms cancel-key-deletion --key-id {key})",
    "Disabled": "enable it (aws kms enable-key --key-id {key})",
}


def key_state_remedy(meta: dict[str, Any]) -> str:
    """What to do about a key that is not Enabled, from its DescribeKey metadata."""
    return _KEY_STATE_FIX.get(str(meta.get("KeyState")), "make it usable").format(key=meta["KeyId"])


def _check_key(aws: Aws, alias: str) -> dict[str, Any] | None:
    """The key behind `alias` (None when there is none); AwsError when it is unusable."""
    try:
        meta: dict[str, Any] = aws.client("kms").describe_key(KeyId=alias)["KeyMetadata"]
    except ClientError as exc:
        if not _missing(exc, "NotFoundException"):
            raise
        return None
    key_id, state = meta["KeyId"], meta.get("KeyState")
    if state != "Enabled":
        raise AwsError(
            f"KMS key {key_id} behind {alias} is {state}: {key_state_remedy(meta)} or pass "
            "another --kms-alias"
        )
    if meta.get("KeyManager") == "AWS":
        raise AwsError(f"{alias} is an AWS managed key: pass an alias of your own key")
    return meta


def _create_key(aws: Aws, alias: str, bucket: str, report: Report) -> str:
    kms = aws.client("kms")
    meta = kms.create_key(
        Description=f"Pulumi secrets provider and state encryption (s3://{bucket})",
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Tags=[MANAGED_BY_TAG],
    )["KeyMetadata"]
    report.add("KMS key", Status.CREATED, f"{meta['KeyId']}")
    kms.enable_key_rotation(KeyId=meta["KeyId"])
    report.add("KMS key rotation", Status.CREATED, f"on for {meta['KeyId']}")
    kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
    report.add("KMS alias", Status.CREATED, f"{alias} -> {meta['KeyId']}")
    return str(meta["Arn"])


def _bucket_exists(aws: Aws, bucket: str, account: str) -> bool:
    """True when the bucket is ours, False when nobody has it; errors otherwise."""
    try:
        head = aws.client("s3").head_bucket(Bucket=bucket, ExpectedBucketOwner=account)
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


@dataclass
class _Plan:
    """What the read-only checks found; the only input of the write phase."""

    account: str
    key: dict[str, Any] | None
    rotation_on: bool
    bucket_exists: bool
    missing: list[tuple[_Protection, str]]
    roles: list[RoleState]


def _check_all(aws: Aws, bucket: str, alias: str, ctx: _Context) -> _Plan:
    """Every check bootstrap makes, all read-only, before anything is written."""
    key = _check_key(aws, alias)
    rotation_on = bool(
        key and aws.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    )
    exists = _bucket_exists(aws, bucket, ctx.account)
    missing: list[tuple[_Protection, str]] = []
    if exists:
        for protection in PROTECTIONS:
            ok, detail = protection.check(aws.client("s3"), ctx)
            if not ok:
                missing.append((protection, detail))
    return _Plan(ctx.account, key, rotation_on, exists, missing, read_service_linked_roles(aws))


def _report_plan(plan: _Plan, ctx: _Context, alias: str, fix: bool, report: Report) -> None:
    """Rows for what is fine already, and (without `fix`) for what --fix would change."""
    drift = Status.DRIFT
    if plan.key is None:
        if not fix:
            report.add("KMS key", drift, f"{alias} does not exist: --fix creates a rotating key")
    else:
        key_id = plan.key["KeyId"]
        if plan.rotation_on:
            report.add("KMS key", Status.OK, f"{key_id}, rotation on")
        elif not fix:
            report.add("KMS key", drift, f"{key_id}: automatic rotation is off")
        report.add("KMS alias", Status.OK, f"{alias} -> {key_id}")
    if not plan.bucket_exists:
        if not fix:
            report.add("bucket", drift, f"s3://{ctx.bucket} does not exist: --fix creates it")
        return
    report.add("bucket", Status.OK, f"s3://{ctx.bucket} exists in this account")
    failing = {protection.name: detail for protection, detail in plan.missing}
    for protection in PROTECTIONS:
        if protection.name not in failing:
            report.add(protection.name, Status.OK, "as required")
        elif not fix:
            report.add(protection.name, drift, failing[protection.name])


def _apply_plan(plan: _Plan, ctx: _Context, alias: str, report: Report) -> None:
    """The write phase; every change is a report row the moment it is made."""
    aws, s3 = ctx.aws, ctx.aws.client("s3")
    if plan.key is None:
        ctx.key_arn = _create_key(aws, alias, ctx.bucket, report)
    elif not plan.rotation_on:
        aws.client("kms").enable_key_rotation(KeyId=plan.key["KeyId"])
        report.add("KMS key", Status.FIXED, f"{plan.key['KeyId']}, rotation turned on")
    if not plan.bucket_exists:
        _create_bucket(aws, ctx.bucket)
        report.add("bucket", Status.CREATED, f"s3://{ctx.bucket} in {aws.region}")
        for protection in PROTECTIONS:
            protection.apply(s3, ctx)
            _, detail = protection.check(s3, ctx)
            report.add(protection.name, Status.CREATED, detail)
        return
    for protection, before in plan.missing:
        protection.apply(s3, ctx)
        _, after = protection.check(s3, ctx)
        report.add(protection.name, Status.FIXED, f"{before} -> {after}")


def _partial_failure(exc: Exception, report: Report, region: str) -> AwsError:
    message = str(exc) if isinstance(exc, AwsError) else describe_error(exc, region=region)
    done = [f"{row.check} {row.status.value} ({row.detail})" for row in report.changes]
    return AwsError(f"{message}; already changed: {'; '.join(done) or 'nothing'}")


def run_bootstrap(
    aws: Aws,
    bucket: str,
    alias: str | None = None,
    fix: bool = False,
    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS,
) -> BootstrapResult:
    """Check the state bucket, KMS key and service-linked roles; with `fix`, then create or
    apply what is missing. Without `fix` nothing is written. Raises AwsError on AWS
    failures; one during the write phase names every change already made."""
    alias = normalize_alias(alias or default_alias(bucket))
    report = Report(f"state backend s3://{bucket} ({aws.region})")
    try:
        ctx = _Context(aws, bucket, "", noncurrent_days, aws.caller_account())
        plan = _check_all(aws, bucket, alias, ctx)
        ctx.key_arn = str(plan.key["Arn"]) if plan.key else ""
        _report_plan(plan, ctx, alias, fix, report)
        report_service_linked_roles(plan.roles, report, fix)
    except (BotoCoreError, ClientError) as exc:
        raise AwsError(describe_error(exc, region=aws.region)) from None
    try:
        if fix:
            _apply_plan(plan, ctx, alias, report)
            create_missing_roles(aws, plan.roles, report)
    except (BotoCoreError, ClientError, AwsError) as exc:
        raise _partial_failure(exc, report, aws.region) from None
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
