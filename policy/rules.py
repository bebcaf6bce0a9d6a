"""The platform's policy rules, as pure functions over resources.

One definition, two runners: the pulumi-policy pack (`policy/pack.py`) during `pulumi preview`
and `pulumi up`, and `mlops-platform plan` offline (`infra/policy_check.py`). A rule sees what
the Pulumi engine sees: a resource's type token, its camelCase inputs, its protect flag (and
retainOnDelete where the runner knows it), plus the environment the stack deploys to.

Values the engine does not know yet (outputs of resources not created, during preview) arrive
as `UNKNOWN`. A rule never reports a violation it cannot prove, so an unknown value passes;
`pulumi up` evaluates the rules again once the values are known.

This module imports nothing beyond the standard library: the policy pack runs in its own
virtualenv with only pulumi-policy installed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .taggable_types import TAGGABLE_TYPES

Level = Literal["mandatory", "advisory"]
MANDATORY: Level = "mandatory"
ADVISORY: Level = "advisory"


class _Unknown:
    """A value that is computed by the cloud and not known during preview."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

# -- resource types --------------------------------------------------------------------

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_TYPES = frozenset({BUCKET, BUCKET_V2})
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Resources whose deletion loses data or breaks consumers: protected and retained in prod,
# and never replaced (the plan diff and the URN snapshot use this list too).
STATEFUL_TYPES = frozenset(
    {
        BUCKET,
        BUCKET_V2,
        KMS_KEY,
        FEATURE_GROUP,
        ECR_REPOSITORY,
        LOG_GROUP,
        EKS_CLUSTER,
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:dynamodb/table:Table",
        "aws:efs/fileSystem:FileSystem",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
    }
)

REQUIRED_TAGS = ("environment", "owner", "cost-center")
EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
DEV_MAX_LOG_RETENTION_DAYS = 30


# -- the model rules work on -----------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A resource as a rule sees it.

    Args:
        type: Type token, e.g. `aws:s3/bucket:Bucket`.
        inputs: camelCase inputs as the engine sees them; unknown values are `UNKNOWN`.
        urn: The resource's URN (findings point at it).
        name: Logical name.
        protect: The `protect` resource option.
        retain_on_delete: The `retainOnDelete` option, or None when the runner cannot see it
            (the policy pack API does not expose it).
        dependencies: URNs this resource depends on.
        property_dependencies: URNs each input depends on, where the runner knows them.
    """

    type: str
    inputs: Mapping[str, Any]
    urn: str = ""
    name: str = ""
    protect: bool = False
    retain_on_delete: bool | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_plan(cls, resource: Mapping[str, Any]) -> Resource:
        """From a resource of the offline plan document."""
        return cls(
            type=resource["type"],
            inputs=resource.get("inputs") or {},
            urn=resource["urn"],
            name=resource.get("name", ""),
            protect=bool(resource.get("protect")),
            retain_on_delete=bool(resource.get("retainOnDelete")),
            dependencies=tuple(resource.get("dependsOn") or ()),
        )

    def get(self, *path: str | int) -> Any:
        """The input at `path` (keys and list indexes), None when absent."""
        return dig(self.inputs, *path)

    @property
    def tags(self) -> Any:
        return self.inputs.get("tags")


@dataclass(frozen=True)
class Finding:
    """One violation: which rule, how bad, which resource, what is wrong."""

    policy: str
    level: Level
    urn: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "level": self.level,
            "urn": self.urn,
            "message": self.message,
        }


ResourceCheck = Callable[[Resource, str | None], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], str | None], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class ResourceRule:
    """A rule about one resource at a time: `check(resource, environment)` yields messages."""

    name: str
    description: str
    level: Level
    check: ResourceCheck
    types: frozenset[str] | None = None  # None: every type

    def applies_to(self, resource_type: str) -> bool:
        return self.types is None or resource_type in self.types

    def evaluate(self, resource: Resource, environment: str | None) -> list[str]:
        if not self.applies_to(resource.type):
            return []
        return list(self.check(resource, environment))


@dataclass(frozen=True)
class StackRule:
    """A rule that needs several resources (a bucket and its configuration resources):
    `check(resources, environment)` yields (urn, message)."""

    name: str
    description: str
    level: Level
    check: StackCheck

    def evaluate(
        self, resources: Sequence[Resource], environment: str | None
    ) -> list[tuple[str, str]]:
        return list(self.check(resources, environment))


Rule = ResourceRule | StackRule


# -- value helpers ---------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def dig(value: Any, *path: str | int) -> Any:
    """Walk mappings and lists; None when a step is missing, UNKNOWN when one is unknown."""
    for step in path:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(value, Sequence) or isinstance(value, str) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def as_list(value: Any) -> list[Any]:
    """A JSON/IAM "string or list" value as a list (UNKNOWN stays a one-element list)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def is_false(value: Any) -> bool:
    """Known and false (`False` or the string "false")."""
    return value is False or (isinstance(value, str) and value.lower() == "false")


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def missing(value: Any) -> bool:
    """Known to be absent or empty."""
    return value is None or value == "" or value == [] or value == {}


def environment_from_tags(resource: Resource) -> str | None:
    """The `environment` tag, which every taggable platform resource carries."""
    value = dig(resource.inputs, "tags", "environment")
    return value if isinstance(value, str) and value else None


# -- S3 (stack rules: a bucket's settings live in separate resources) ------------------


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


def check_bucket_encryption(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
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


def check_bucket_public_access(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
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
    actions = as_list(statement.get("Action"))
    if not any(a in ("s3:*", "*") for a in actions):
        return False
    condition = statement.get("Condition") or {}
    for operator in ("Bool", "BoolIfExists"):
        value = dig(condition, operator, "aws:SecureTransport")
        if any(is_false(v) for v in as_list(value)):
            return True
    return False


def check_bucket_tls_only(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
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


# -- resource rules --------------------------------------------------------------------


def check_kms_rotation(r: Resource, environment: str | None) -> Iterator[str]:
    spec = r.get("customerMasterKeySpec")
    if isinstance(spec, str) and spec != "SYMMETRIC_DEFAULT":
        return  # AWS rotates only symmetric encryption keys
    if r.get("keyUsage") not in (None, "ENCRYPT_DECRYPT", UNKNOWN):
        return
    rotation = r.get("enableKeyRotation")
    if not is_unknown(rotation) and not is_true(rotation):
        yield "symmetric KMS key must have enableKeyRotation true"


def check_endpoint_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    if missing(r.get("kmsKeyArn")):
        yield "endpoint configuration must set kmsKeyArn (ML storage volumes encrypted with KMS)"


def check_endpoint_data_capture(r: Resource, environment: str | None) -> Iterator[str]:
    if environment != "prod":
        return
    capture = r.get("dataCaptureConfig")
    if is_unknown(capture):
        return
    if missing(capture):
        yield "prod endpoint configuration must enable dataCaptureConfig"
        return
    if is_false(dig(capture, "enableCapture")):
        yield "prod endpoint configuration must have dataCaptureConfig.enableCapture true"
    percent = dig(capture, "initialSamplingPercentage")
    if isinstance(percent, int | float) and percent <= 0:
        yield "prod endpoint configuration must capture a non-zero initialSamplingPercentage"


def check_feature_group_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    online = r.get("onlineStoreConfig")
    online_on = isinstance(online, Mapping) and not is_false(online.get("enableOnlineStore"))
    if online_on and missing(dig(online, "securityConfig", "kmsKeyId")):
        yield "online store must set onlineStoreConfig.securityConfig.kmsKeyId"
    offline = r.get("offlineStoreConfig")
    if isinstance(offline, Mapping) and missing(dig(offline, "s3StorageConfig", "kmsKeyId")):
        yield "offline store must set offlineStoreConfig.s3StorageConfig.kmsKeyId"


def check_eks_secrets_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    config = r.get("encryptionConfig")
    if is_unknown(config):
        return
    resources = dig(config, "resources")
    if not is_unknown(resources) and "secrets" not in as_list(resources):
        yield "cluster must encrypt Kubernetes secrets (encryptionConfig.resources ['secrets'])"
    elif missing(dig(config, "provider", "keyArn")):
        yield "cluster secrets encryption needs a KMS key (encryptionConfig.provider.keyArn)"


def check_eks_logging(r: Resource, environment: str | None) -> Iterator[str]:
    enabled = r.get("enabledClusterLogTypes")
    if is_unknown(enabled):
        return
    absent = [t for t in EKS_LOG_TYPES if t not in as_list(enabled)]
    if absent:
        yield f"cluster must enable all control-plane log types (missing: {', '.join(absent)})"


def check_eks_private_endpoint(r: Resource, environment: str | None) -> Iterator[str]:
    if environment != "prod":
        return
    public = r.get("vpcConfig", "endpointPublicAccess")
    # AWS defaults the public endpoint to on: prod must switch it off explicitly.
    if not is_unknown(public) and not is_false(public):
        yield "prod cluster must set vpcConfig.endpointPublicAccess false (private API endpoint)"


def check_launch_template_imdsv2(r: Resource, environment: str | None) -> Iterator[str]:
    tokens = r.get("metadataOptions", "httpTokens")
    if not is_unknown(tokens) and tokens != "required":
        yield "launch template must require IMDSv2 (metadataOptions.httpTokens 'required')"


def check_ecr_scan_on_push(r: Resource, environment: str | None) -> Iterator[str]:
    scan = r.get("imageScanningConfiguration", "scanOnPush")
    if not is_unknown(scan) and not is_true(scan):
        yield "repository must scan images on push (imageScanningConfiguration.scanOnPush)"


def check_ecr_immutable_tags(r: Resource, environment: str | None) -> Iterator[str]:
    mutability = r.get("imageTagMutability")
    if not is_unknown(mutability) and mutability not in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"):
        yield "repository must have imageTagMutability 'IMMUTABLE' (a tag names one image)"


# -- IAM -------------------------------------------------------------------------------


def parse_policy(value: Any) -> Any:
    """A policy document input as a dict; UNKNOWN when not known; None when not a policy."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{") or '"Statement"' not in text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, Mapping) and "Statement" in value:
        return value
    return None


def policy_documents(inputs: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every IAM policy document anywhere in a resource's inputs, with its input path."""
    document = parse_policy(inputs)
    if isinstance(document, Mapping):
        yield path or "(inputs)", document
        return
    if isinstance(inputs, Mapping):
        for key, value in inputs.items():
            yield from policy_documents(value, f"{path}.{key}" if path else str(key))
    elif isinstance(inputs, list | tuple):
        for index, value in enumerate(inputs):
            yield from policy_documents(value, f"{path}[{index}]")


def _wildcard_admin(statement: Any) -> str | None:
    if not isinstance(statement, Mapping) or statement.get("Effect", "Allow") != "Allow":
        return None
    if "*" not in as_list(statement.get("Resource")):
        return None
    if any(a in ("*", "*:*") for a in as_list(statement.get("Action"))):
        return 'Action "*" on Resource "*"'
    if "NotAction" in statement:
        return 'NotAction with Resource "*" (allows everything not listed)'
    return None


def check_iam_wildcard(r: Resource, environment: str | None) -> Iterator[str]:
    for path, document in policy_documents(r.inputs):
        for index, statement in enumerate(as_list(document.get("Statement"))):
            problem = _wildcard_admin(statement)
            if problem:
                sid = statement.get("Sid") if isinstance(statement, Mapping) else None
                label = f"'{sid}'" if sid else f"#{index}"
                yield f"{path}: statement {label} allows {problem}"


_POLICY_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::(?P<account>aws|\d{12}):policy/(?:.*/)?(?P<name>[^/]+)$"
)
_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess")


def broad_managed_policy(arn: Any) -> bool:
    """A `*FullAccess` policy, or one of AWS's administrator policies."""
    match = _POLICY_ARN.match(arn) if isinstance(arn, str) else None
    if not match:
        return False
    name = match["name"]
    if "FullAccess" in name:
        return True
    return match["account"] == "aws" and name.split("-")[0] in _ADMIN_POLICIES


def check_full_access_policies(r: Resource, environment: str | None) -> Iterator[str]:
    arns = [*as_list(r.get("policyArn")), *as_list(r.get("managedPolicyArns"))]
    arns += as_list(r.get("policyArns"))
    for arn in arns:
        if broad_managed_policy(arn):
            yield f"attaches {arn}: use a least-privilege policy instead of a broad managed one"


# -- tags, protection ------------------------------------------------------------------


def is_taggable(resource_type: str) -> bool:
    return resource_type in TAGGABLE_TYPES


def check_required_tags(r: Resource, environment: str | None) -> Iterator[str]:
    tags = r.tags
    if is_unknown(tags):
        return
    tags = tags if isinstance(tags, Mapping) else {}
    absent = [k for k in REQUIRED_TAGS if not is_unknown(tags.get(k)) and missing(tags.get(k))]
    if absent:
        yield f"missing required tags: {', '.join(absent)}"
    tagged = tags.get("environment")
    if environment and isinstance(tagged, str) and tagged and tagged != environment:
        yield f"tag environment='{tagged}' does not match the stack's environment '{environment}'"


def check_prod_protected(r: Resource, environment: str | None) -> Iterator[str]:
    if environment != "prod":
        return
    unset = []
    if not r.protect:
        unset.append("protect")
    if r.retain_on_delete is False:
        unset.append("retainOnDelete")
    if unset:
        yield f"stateful resource in prod must set {' and '.join(unset)}"


# -- advisory: cost guards -------------------------------------------------------------


_SIZE = re.compile(r"^(?:(?P<n>\d+)?xlarge|(?P<word>nano|micro|small|medium|large|metal))$")
_SMALL_SIZES = {"nano": 0.125, "micro": 0.25, "small": 0.5, "medium": 0.75, "large": 0.9}

GENERAL_FAMILIES = frozenset(
    {
        *("t2", "t3", "t3a", "t4g"),
        *("m4", "m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g"),
        *("c4", "c5", "c5a", "c6i", "c6a", "c6g", "c7i", "c7a", "c7g"),
        *("r5", "r5a", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g"),
    }
)
SMALL_GPU_FAMILIES = frozenset({"g4dn", "g5", "g6"})


@dataclass(frozen=True)
class InstanceAllowList:
    """Instance families an environment may use, up to a largest size (None: any size)."""

    families: frozenset[str]
    max_xlarge: float | None

    def allows(self, instance_type: str) -> bool:
        family, size = split_instance_type(instance_type)
        # Local-NVMe ("d") and network-optimised ("n") variants cost like their base family.
        base = family
        while base not in self.families and base[-1:] in ("d", "n") and len(base) > 2:
            base = base[:-1]
        if base not in self.families:
            return False
        return self.max_xlarge is None or (size is not None and size <= self.max_xlarge)

    def describe(self) -> str:
        largest = "any size" if self.max_xlarge is None else f"up to {int(self.max_xlarge)}xlarge"
        return f"{', '.join(sorted(self.families))}; {largest}"


INSTANCE_ALLOW_LISTS: dict[str, InstanceAllowList] = {
    "dev": InstanceAllowList(GENERAL_FAMILIES | SMALL_GPU_FAMILIES, 4),
    "staging": InstanceAllowList(
        GENERAL_FAMILIES | SMALL_GPU_FAMILIES | {"g6e", "inf1", "inf2"}, 12
    ),
    "prod": InstanceAllowList(
        GENERAL_FAMILIES
        | SMALL_GPU_FAMILIES
        | {"g6e", "inf1", "inf2", "trn1", "trn2", "p4d", "p4de", "p5", "p5e", "p5en"},
        None,
    ),
}


def split_instance_type(instance_type: str) -> tuple[str, float | None]:
    """("g5", 2.0) for "ml.g5.2xlarge"; size in multiples of xlarge (metal: infinity)."""
    parts = instance_type.removeprefix("ml.").split(".")
    family = parts[0]
    size_match = _SIZE.match(parts[1]) if len(parts) > 1 else None
    if size_match is None:
        return family, None
    if size_match["word"] == "metal":
        return family, float("inf")
    if size_match["word"]:
        return family, _SMALL_SIZES[size_match["word"]]
    return family, float(size_match["n"] or 1)


def instance_types(inputs: Any) -> Iterator[str]:
    """Every `instanceType` / `instanceTypes` value anywhere in the inputs."""
    if isinstance(inputs, Mapping):
        for key, value in inputs.items():
            if key == "instanceType" and isinstance(value, str):
                yield value
            elif key == "instanceTypes" and isinstance(value, list | tuple):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from instance_types(value)
    elif isinstance(inputs, list | tuple):
        for value in inputs:
            yield from instance_types(value)


def check_instance_types(r: Resource, environment: str | None) -> Iterator[str]:
    allow = INSTANCE_ALLOW_LISTS.get(environment or "")
    if allow is None:
        return
    for instance_type in instance_types(r.inputs):
        if not allow.allows(instance_type):
            yield (
                f"instance type {instance_type} is outside the {environment} allow-list "
                f"({allow.describe()})"
            )


def check_dev_log_retention(r: Resource, environment: str | None) -> Iterator[str]:
    if environment != "dev":
        return
    days = r.get("retentionInDays")
    if is_unknown(days):
        return
    if not days:
        yield "dev log group never expires: set retentionInDays (30 days or less)"
    elif days > DEV_MAX_LOG_RETENTION_DAYS:
        yield f"dev log group keeps logs {days} days (more than {DEV_MAX_LOG_RETENTION_DAYS})"


# -- the rule set ----------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    StackRule(
        "s3-bucket-encryption",
        "Every S3 bucket has default encryption with SSE-KMS.",
        MANDATORY,
        check_bucket_encryption,
    ),
    StackRule(
        "s3-public-access-block",
        "Every S3 bucket has a public access block with all four settings on.",
        MANDATORY,
        check_bucket_public_access,
    ),
    StackRule(
        "s3-tls-only",
        "Every S3 bucket has a policy denying requests without TLS.",
        MANDATORY,
        check_bucket_tls_only,
    ),
    ResourceRule(
        "kms-key-rotation",
        "Symmetric KMS keys rotate their key material.",
        MANDATORY,
        check_kms_rotation,
        frozenset({KMS_KEY}),
    ),
    ResourceRule(
        "sagemaker-endpoint-encryption",
        "SageMaker endpoint configurations encrypt their storage with KMS.",
        MANDATORY,
        check_endpoint_encryption,
        frozenset({ENDPOINT_CONFIG}),
    ),
    ResourceRule(
        "sagemaker-data-capture-prod",
        "Prod SageMaker endpoint configurations capture data for model monitoring.",
        MANDATORY,
        check_endpoint_data_capture,
        frozenset({ENDPOINT_CONFIG}),
    ),
    ResourceRule(
        "feature-group-encryption",
        "Feature groups encrypt the online and the offline store with KMS.",
        MANDATORY,
        check_feature_group_encryption,
        frozenset({FEATURE_GROUP}),
    ),
    ResourceRule(
        "eks-secrets-encryption",
        "EKS clusters encrypt Kubernetes secrets with KMS.",
        MANDATORY,
        check_eks_secrets_encryption,
        frozenset({EKS_CLUSTER}),
    ),
    ResourceRule(
        "eks-control-plane-logging",
        "EKS clusters send all five control-plane log types to CloudWatch.",
        MANDATORY,
        check_eks_logging,
        frozenset({EKS_CLUSTER}),
    ),
    ResourceRule(
        "eks-private-endpoint-prod",
        "Prod EKS clusters have no public API endpoint.",
        MANDATORY,
        check_eks_private_endpoint,
        frozenset({EKS_CLUSTER}),
    ),
    ResourceRule(
        "launch-template-imdsv2",
        "Launch templates require IMDSv2 session tokens.",
        MANDATORY,
        check_launch_template_imdsv2,
        frozenset({LAUNCH_TEMPLATE}),
    ),
    ResourceRule(
        "ecr-scan-on-push",
        "ECR repositories scan images on push.",
        MANDATORY,
        check_ecr_scan_on_push,
        frozenset({ECR_REPOSITORY}),
    ),
    ResourceRule(
        "ecr-immutable-tags",
        "ECR repositories have immutable image tags.",
        MANDATORY,
        check_ecr_immutable_tags,
        frozenset({ECR_REPOSITORY}),
    ),
    ResourceRule(
        "iam-no-wildcard-admin",
        'No policy document allows Action "*" on Resource "*".',
        MANDATORY,
        check_iam_wildcard,
    ),
    ResourceRule(
        "iam-no-full-access-managed-policies",
        "No *FullAccess (or administrator) managed policy is attached.",
        MANDATORY,
        check_full_access_policies,
    ),
    ResourceRule(
        "required-tags",
        "Every taggable resource carries the environment, owner and cost-center tags.",
        MANDATORY,
        check_required_tags,
        frozenset(TAGGABLE_TYPES),
    ),
    ResourceRule(
        "prod-stateful-protected",
        "Stateful resources in prod are protected and retained on delete.",
        MANDATORY,
        check_prod_protected,
        STATEFUL_TYPES,
    ),
    ResourceRule(
        "instance-type-allow-list",
        "Instance types stay within the environment's allow-list (cost guard).",
        ADVISORY,
        check_instance_types,
    ),
    ResourceRule(
        "dev-log-retention",
        f"Dev log groups keep logs at most {DEV_MAX_LOG_RETENTION_DAYS} days.",
        ADVISORY,
        check_dev_log_retention,
        frozenset({LOG_GROUP}),
    ),
)

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def evaluate(
    resources: Sequence[Resource],
    environment: str | None,
    rules: Sequence[Rule] = RULES,
) -> list[Finding]:
    """Every finding of `rules` over `resources`, sorted mandatory first."""
    findings: list[Finding] = []
    for rule in rules:
        if isinstance(rule, StackRule):
            for urn, message in rule.evaluate(resources, environment):
                findings.append(Finding(rule.name, rule.level, urn, message))
            continue
        for resource in resources:
            for message in rule.evaluate(resource, environment):
                findings.append(Finding(rule.name, rule.level, resource.urn, message))
    order = {MANDATORY: 0, ADVISORY: 1}
    findings.sort(key=lambda f: (order[f.level], f.policy, f.urn, f.message))
    return findings
