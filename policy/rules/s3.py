"""S3: default encryption, public access block and TLS-only bucket policy for every bucket.

Stack rules: a bucket's settings live in separate resources, tied to their bucket by the
engine's property dependencies (or the bucket name, or plain dependencies).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .core import (
    MANDATORY,
    UNKNOWN,
    Resource,
    as_list,
    dig,
    is_false,
    is_true,
    is_unknown,
    parse_policy,
)
from .registry import stack_rule
from .resource_types import BUCKET_PAB, BUCKET_POLICY, BUCKET_SSE, BUCKET_SSE_V2, BUCKET_TYPES


def _buckets_of(
    config: Resource, buckets: Mapping[str, Resource], names: Mapping[str, str]
) -> list[str]:
    """URNs of the managed buckets a bucket-configuration resource applies to."""
    deps = config.property_dependencies.get("bucket")
    if deps:
        return [urn for urn in deps if urn in buckets]
    target = config.get("bucket")
    if isinstance(target, str) and target in names:
        return [names[target]]
    return [urn for urn in config.dependencies if urn in buckets]


def _bucket_index(resources: Sequence[Resource]) -> tuple[dict[str, Resource], dict[str, str]]:
    buckets = {r.urn: r for r in resources if r.type in BUCKET_TYPES}
    names = {r.get("bucket"): urn for urn, r in buckets.items() if isinstance(r.get("bucket"), str)}
    return buckets, names


def _sse_rules_ok(rules: Any) -> bool | None:
    """True: SSE-KMS; False: something else; None: not known yet."""
    if is_unknown(rules):
        return None
    algorithms = [
        dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") for rule in as_list(rules)
    ]
    if any(is_unknown(a) for a in algorithms):
        return None
    return bool(algorithms) and all(a in ("aws:kms", "aws:kms:dsse") for a in algorithms)


@stack_rule(name="s3-bucket-encryption", level=MANDATORY)
def check_bucket_encryption(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
    """Every S3 bucket has default encryption with SSE-KMS."""
    buckets, names = _bucket_index(resources)
    encrypted: set[str] = set()
    for r in resources:
        if r.type not in (BUCKET_SSE, BUCKET_SSE_V2):
            continue
        ok = _sse_rules_ok(r.get("rules"))
        if ok is False:
            yield r.urn, "default encryption must be SSE-KMS (sseAlgorithm 'aws:kms')"
        if ok is not False:
            encrypted.update(_buckets_of(r, buckets, names))
    for urn, bucket in buckets.items():
        inline = bucket.get("serverSideEncryptionConfiguration")
        if urn in encrypted or (inline and _sse_rules_ok(dig(inline, "rule")) is not False):
            continue
        yield (
            urn,
            ("bucket has no BucketServerSideEncryptionConfiguration with sseAlgorithm 'aws:kms'"),
        )


_PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@stack_rule(name="s3-public-access-block", level=MANDATORY)
def check_bucket_public_access(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
    """Every S3 bucket has a public access block with all four settings on."""
    buckets, names = _bucket_index(resources)
    blocked: set[str] = set()
    for r in resources:
        if r.type != BUCKET_PAB:
            continue
        off = [
            flag for flag in _PAB_FLAGS if not is_unknown(r.get(flag)) and not is_true(r.get(flag))
        ]
        if off:
            yield r.urn, f"public access block must set all four flags true (not: {', '.join(off)})"
        else:
            blocked.update(_buckets_of(r, buckets, names))
    for urn in buckets:
        if urn not in blocked:
            yield urn, "bucket has no BucketPublicAccessBlock with all four flags true"


def _denies_insecure_transport(statement: Any) -> bool:
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and dig(principal, "AWS") not in ("*", ["*"]):
        return False
    # Action names are case-insensitive in IAM: "S3:*" denies as much as "s3:*".
    actions = [a.lower() for a in as_list(statement.get("Action")) if isinstance(a, str)]
    if not any(a in ("s3:*", "*") for a in actions):
        return False
    condition = statement.get("Condition") or {}
    for operator in ("Bool", "BoolIfExists"):
        value = dig(condition, operator, "aws:SecureTransport")
        if any(is_false(v) for v in as_list(value)):
            return True
    return False


@stack_rule(name="s3-tls-only", level=MANDATORY)
def check_bucket_tls_only(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
    """Every S3 bucket has a policy denying requests without TLS."""
    buckets, names = _bucket_index(resources)
    covered: set[str] = set()
    for r in resources:
        if r.type != BUCKET_POLICY:
            continue
        document = parse_policy(r.get("policy"))
        if document is UNKNOWN:
            covered.update(_buckets_of(r, buckets, names))
            continue
        statements = as_list(dig(document, "Statement"))
        if any(_denies_insecure_transport(s) for s in statements):
            covered.update(_buckets_of(r, buckets, names))
        else:
            yield r.urn, "bucket policy must deny requests without TLS (aws:SecureTransport false)"
    for urn in buckets:
        if urn not in covered:
            yield urn, "bucket has no BucketPolicy denying requests without TLS"
