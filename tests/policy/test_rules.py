"""Every policy rule with a passing and a failing resource built from pulumi_aws classes."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pytest

from components import Deployment, SecureBucket, SecureBucketArgs
from policy.rules import (
    ADVISORY,
    MANDATORY,
    RULES,
    RULES_BY_NAME,
    STATEFUL_TYPES,
    UNKNOWN,
    Resource,
    evaluate,
    split_instance_type,
)
from policy.taggable_types import TAGGABLE_TYPES

from .synth import KEY_ARN, PROD_TAGS, TAGS, findings_of, record


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
S3_READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
DENY_NO_TLS = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ALL_FOUR = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}


# -- programs --------------------------------------------------------------------------


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
        aws.s3.BucketPolicy("b-policy", bucket=bucket.id, policy=policy or _doc(DENY_NO_TLS))

    return program


def kms_key(**kwargs) -> Callable[[], None]:
    return lambda: aws.kms.Key("key", tags=TAGS, **kwargs)


VARIANT = {
    "variant_name": "main",
    "model_name": "m",
    "instance_type": "ml.c6i.xlarge",
    "initial_instance_count": 2,
}
CAPTURE = {
    "enable_capture": True,
    "initial_sampling_percentage": 20,
    "destination_s3_uri": "s3://capture/",
    "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
}


def endpoint_config(kms: bool = True, capture: dict | None = CAPTURE, tags=PROD_TAGS):
    def program() -> None:
        aws.sagemaker.EndpointConfiguration(
            "ec",
            kms_key_arn=KEY_ARN if kms else None,
            production_variants=[VARIANT],
            data_capture_config=capture,
            tags=tags,
        )

    return program


def feature_group(online_kms: bool = True, offline_kms: bool = True):
    def program() -> None:
        aws.sagemaker.FeatureGroup(
            "fg",
            feature_group_name="customers",
            record_identifier_feature_name="id",
            event_time_feature_name="t",
            role_arn="arn:aws:iam::123456789012:role/fs",
            feature_definitions=[
                {"feature_name": "id", "feature_type": "String"},
                {"feature_name": "t", "feature_type": "String"},
            ],
            online_store_config={
                "enable_online_store": True,
                "security_config": {"kms_key_id": KEY_ARN} if online_kms else None,
            },
            offline_store_config={
                "s3_storage_config": {
                    "s3_uri": "s3://offline/",
                    "kms_key_id": KEY_ARN if offline_kms else None,
                }
            },
            tags=TAGS,
        )

    return program


def eks_cluster(
    encryption: dict | None = None,
    logs: tuple[str, ...] = ("api", "audit", "authenticator", "controllerManager", "scheduler"),
    public: bool | None = False,
    tags=PROD_TAGS,
):
    vpc: dict = {"subnet_ids": ["subnet-1"], "endpoint_private_access": True}
    if public is not None:
        vpc["endpoint_public_access"] = public

    def program() -> None:
        aws.eks.Cluster(
            "cluster",
            role_arn="arn:aws:iam::123456789012:role/cluster",
            vpc_config=vpc,
            encryption_config=encryption
            if encryption is not None
            else {"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
            enabled_cluster_log_types=list(logs),
            tags=tags,
        )

    return program


def launch_template(metadata: dict | None) -> Callable[[], None]:
    return lambda: aws.ec2.LaunchTemplate("lt", metadata_options=metadata, tags=TAGS)


def ecr_repository(scan: bool = True, mutability: str = "IMMUTABLE") -> Callable[[], None]:
    return lambda: aws.ecr.Repository(
        "repo",
        image_scanning_configuration={"scan_on_push": scan},
        image_tag_mutability=mutability,
        tags=TAGS,
    )


def iam_policy(*statements: dict) -> Callable[[], None]:
    return lambda: aws.iam.Policy("p", policy=_doc(*statements), tags=TAGS)


def role_inline(*statements: dict) -> Callable[[], None]:
    return lambda: aws.iam.Role(
        "r",
        assume_role_policy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        inline_policies=[{"name": "inline", "policy": _doc(*statements)}],
        tags=TAGS,
    )


def repository_policy(*statements: dict) -> Callable[[], None]:
    return lambda: aws.ecr.RepositoryPolicy("rp", repository="repo", policy=_doc(*statements))


def attachment(arn: str) -> Callable[[], None]:
    return lambda: aws.iam.RolePolicyAttachment("att", role="r", policy_arn=arn)


def role_managed(arn: str) -> Callable[[], None]:
    return lambda: aws.iam.Role(
        "r", assume_role_policy=_doc(S3_READ), managed_policy_arns=[arn], tags=TAGS
    )


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


def log_group(days: int | None, protect: bool = False, retain: bool = False):
    return lambda: aws.cloudwatch.LogGroup(
        "logs",
        retention_in_days=days,
        tags=TAGS,
        opts=pulumi.ResourceOptions(protect=protect, retain_on_delete=retain),
    )


def node_group(*types: str) -> Callable[[], None]:
    return lambda: aws.eks.NodeGroup(
        "ng",
        cluster_name="c",
        node_role_arn="arn:aws:iam::123456789012:role/node",
        subnet_ids=["subnet-1"],
        instance_types=list(types),
        scaling_config={"min_size": 0, "max_size": 2, "desired_size": 0},
        tags=TAGS,
    )


# -- the cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    rule: str
    environment: str
    program: Callable[[], object]
    expect: str | None = None  # None: passes; else a substring of the finding
    resource: str | None = None  # logical name the finding points at (default: any)


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
    Case("s3-tls-only", "dev", bare_bucket, "denying requests without TLS", "bare"),
    Case("s3-tls-only", "dev", bucket_with(policy=_doc(S3_READ)), "deny requests", "b-policy"),
    Case("kms-key-rotation", "dev", kms_key(enable_key_rotation=True)),
    Case(
        "kms-key-rotation",
        "dev",
        kms_key(customer_master_key_spec="RSA_2048", key_usage="SIGN_VERIFY"),
    ),
    Case("kms-key-rotation", "dev", kms_key(), "enableKeyRotation", "key"),
    Case("kms-key-rotation", "dev", kms_key(enable_key_rotation=False), "enableKeyRotation"),
    Case("sagemaker-endpoint-encryption", "dev", endpoint_config()),
    Case("sagemaker-endpoint-encryption", "dev", endpoint_config(kms=False), "kmsKeyArn", "ec"),
    Case("sagemaker-data-capture-prod", "prod", endpoint_config()),
    Case("sagemaker-data-capture-prod", "dev", endpoint_config(capture=None, tags=TAGS)),
    Case("sagemaker-data-capture-prod", "prod", endpoint_config(capture=None), "dataCapture"),
    Case(
        "sagemaker-data-capture-prod",
        "prod",
        endpoint_config(capture={**CAPTURE, "enable_capture": False}),
        "enableCapture",
        "ec",
    ),
    Case("feature-group-encryption", "dev", feature_group()),
    Case("feature-group-encryption", "dev", feature_group(online_kms=False), "online store"),
    Case("feature-group-encryption", "dev", feature_group(offline_kms=False), "offline store"),
    Case("eks-secrets-encryption", "prod", eks_cluster()),
    Case(
        "eks-secrets-encryption",
        "prod",
        eks_cluster(encryption={"resources": [], "provider": {"key_arn": KEY_ARN}}),
        "secrets",
        "cluster",
    ),
    Case(
        "eks-secrets-encryption",
        "prod",
        eks_cluster(encryption={}),
        "encryptionConfig",
    ),
    Case("eks-control-plane-logging", "prod", eks_cluster()),
    Case(
        "eks-control-plane-logging",
        "prod",
        eks_cluster(logs=("api", "audit", "authenticator")),
        "controllerManager, scheduler",
        "cluster",
    ),
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=False)),
    Case("eks-private-endpoint-prod", "dev", eks_cluster(public=True, tags=TAGS)),
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=True), "endpointPublicAccess"),
    # AWS turns the public endpoint on unless told otherwise.
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=None), "endpointPublicAccess"),
    Case("launch-template-imdsv2", "dev", launch_template({"http_tokens": "required"})),
    Case("launch-template-imdsv2", "dev", launch_template({"http_tokens": "optional"}), "IMDSv2"),
    Case("launch-template-imdsv2", "dev", launch_template(None), "httpTokens", "lt"),
    Case("ecr-scan-on-push", "dev", ecr_repository()),
    Case("ecr-scan-on-push", "dev", ecr_repository(scan=False), "scan", "repo"),
    Case("ecr-immutable-tags", "dev", ecr_repository()),
    Case("ecr-immutable-tags", "dev", ecr_repository(mutability="MUTABLE"), "IMMUTABLE", "repo"),
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
    Case("prod-stateful-protected", "prod", log_group(365, protect=True, retain=True)),
    Case("prod-stateful-protected", "dev", log_group(14)),
    Case("prod-stateful-protected", "prod", log_group(365), "protect and retainOnDelete", "logs"),
    Case("prod-stateful-protected", "prod", log_group(365, protect=True), "set retainOnDelete"),
    Case("instance-type-allow-list", "dev", node_group("m6i.large", "g5.2xlarge")),
    Case("instance-type-allow-list", "prod", node_group("p5.48xlarge")),
    Case("instance-type-allow-list", "dev", node_group("p5.48xlarge"), "p5.48xlarge", "ng"),
    Case("instance-type-allow-list", "dev", node_group("g5.12xlarge"), "outside the dev"),
    Case("instance-type-allow-list", "staging", endpoint_config(), None),
    Case(
        "instance-type-allow-list",
        "dev",
        lambda: aws.ec2.LaunchTemplate("lt", instance_type="p4d.24xlarge", tags=TAGS),
        "p4d.24xlarge",
    ),
    Case("dev-log-retention", "dev", log_group(14)),
    Case("dev-log-retention", "prod", log_group(365, protect=True, retain=True)),
    Case("dev-log-retention", "dev", log_group(90), "90 days", "logs"),
    Case("dev-log-retention", "dev", log_group(None), "never expires"),
]


def _case_id(case: Case) -> str:
    return f"{case.rule}-{case.environment}-{'fail' if case.expect else 'pass'}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    resources = record(case.program)
    assert resources, "the program registered nothing"
    findings = findings_of(case.rule, resources, case.environment)
    if case.expect is None:
        assert findings == []
        return
    assert findings, f"{case.rule} found nothing"
    assert any(case.expect in f.message for f in findings), [f.message for f in findings]
    assert {f.level for f in findings} == {RULES_BY_NAME[case.rule].level}
    urns = {r.urn for r in resources}
    assert all(f.urn in urns for f in findings)
    if case.resource is not None:
        assert any(f.urn.endswith(f"::{case.resource}") for f in findings), findings


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    passing = {c.rule for c in CASES if c.expect is None}
    failing = {c.rule for c in CASES if c.expect is not None}
    names = {rule.name for rule in RULES}
    assert passing == names
    assert failing == names


def test_levels_mandatory_and_advisory() -> None:
    advisory = {r.name for r in RULES if r.level == ADVISORY}
    assert advisory == {"instance-type-allow-list", "dev-log-retention"}
    assert all(r.level == MANDATORY for r in RULES if r.name not in advisory)
    assert len(RULES_BY_NAME) == len(RULES)


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


def test_unknown_values_never_fail_a_rule() -> None:
    """During preview, values computed by the cloud are unknown: a rule cannot prove a
    violation and must stay silent (`pulumi up` checks again with the values known)."""
    unknown = [
        Resource(
            "aws:kms/key:Key", {"enableKeyRotation": UNKNOWN, "tags": UNKNOWN}, "u1", protect=True
        ),
        Resource("aws:iam/policy:Policy", {"policy": UNKNOWN, "tags": UNKNOWN}, "u2"),
        Resource(
            "aws:eks/cluster:Cluster",
            {
                "encryptionConfig": UNKNOWN,
                "enabledClusterLogTypes": UNKNOWN,
                "vpcConfig": {"endpointPublicAccess": UNKNOWN},
                "tags": UNKNOWN,
            },
            "u3",
            protect=True,
        ),
        Resource("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": UNKNOWN}, "u4"),
    ]
    mandatory = [f for f in evaluate(unknown, "prod") if f.level == MANDATORY]
    assert mandatory == []


def test_allow_list_variants_and_sizes() -> None:
    from policy.rules import INSTANCE_ALLOW_LISTS

    dev = INSTANCE_ALLOW_LISTS["dev"]
    assert dev.allows("m6id.xlarge")
    assert dev.allows("c5n.large")
    assert dev.allows("ml.t2.medium")
    assert not dev.allows("g6e.xlarge")
    assert not dev.allows("m6i.8xlarge")
    assert not dev.allows("p4d.24xlarge")
    assert INSTANCE_ALLOW_LISTS["prod"].allows("p5.48xlarge")


def test_split_instance_type() -> None:
    assert split_instance_type("ml.g5.2xlarge") == ("g5", 2.0)
    assert split_instance_type("m6i.large") == ("m6i", 0.9)
    assert split_instance_type("c6i.xlarge") == ("c6i", 1.0)
    assert split_instance_type("m7i.metal") == ("m7i", float("inf"))


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
