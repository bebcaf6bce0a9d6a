"""The pulumi-policy pack runs the same rules as the offline plan.

The pack's policies are called the way the analyzer calls them: `ResourceValidationArgs` /
`StackValidationArgs` whose props sit behind pulumi-policy's unknown-checking proxy. Building
`PolicyPack` itself starts a gRPC server, so `policy/__main__.py` is only parsed, never run.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from infra.plan import Plan
from infra.policy_check import evaluate_policies
from policy.pack import PACK_NAME, SUPPRESSED_POLICY, StackSettings, build_policies
from policy.rules import RULES, Resource, ResourceRule, StackRule, evaluate
from policy.rules.eks import EKS_LOG_TYPES

from .synth import KEY_ARN, PROD_TAGS, record

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def _opts(resource: Resource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def _props(inputs: Any) -> Any:
    return unknown_checking_proxy(copy.deepcopy(dict(inputs)))


def run_pack(
    resources: list[Resource],
    config: dict[str, Any] | None = None,
    settings: StackSettings | None = None,
) -> set[tuple[str, str, str]]:
    """(policy, urn, message) of every violation the pack's policies report."""
    reported: set[tuple[str, str, str]] = set()
    policies = build_policies(settings or StackSettings())
    for policy in policies:
        if not isinstance(policy, ResourceValidationPolicy):
            continue
        for resource in resources:
            args = ResourceValidationArgs(
                resource.type,
                _props(resource.inputs),
                resource.urn,
                resource.name,
                _opts(resource),
                None,
                config,
            )
            policy.validate(
                args,
                lambda message, urn=None, p=policy.name, r=resource.urn: reported.add(
                    (p, urn or r, message)
                ),
            )
    stack_resources = {
        r.urn: PolicyResource(r.type, _props(r.inputs), r.urn, r.name, _opts(r), None, None, [], {})
        for r in resources
    }
    for r in resources:
        stack_resources[r.urn].dependencies = [
            stack_resources[d] for d in r.dependencies if d in stack_resources
        ]
    args = StackValidationArgs(list(stack_resources.values()), config)
    for policy in policies:
        if isinstance(policy, StackValidationPolicy):
            policy.validate(
                args, lambda message, urn=None, p=policy.name: reported.add((p, urn, message))
            )
    return reported


def offline(resources: list[Resource], environment: str) -> set[tuple[str, str, str]]:
    return {(f.policy, f.urn, f.message) for f in evaluate(resources, environment)}


def test_one_pack_policy_per_rule_with_the_same_name_and_level() -> None:
    *policies, suppressed = build_policies(StackSettings())
    assert [p.name for p in policies] == [r.name for r in RULES]
    assert suppressed.name == SUPPRESSED_POLICY
    assert suppressed.enforcement_level == EnforcementLevel.ADVISORY
    for policy, rule in zip(policies, RULES, strict=True):
        expected = (
            EnforcementLevel.MANDATORY if rule.level == "mandatory" else EnforcementLevel.ADVISORY
        )
        assert policy.enforcement_level == expected
        assert policy.description == rule.description
        if isinstance(rule, StackRule):
            assert isinstance(policy, StackValidationPolicy)
        else:
            assert isinstance(rule, ResourceRule)
            assert isinstance(policy, ResourceValidationPolicy)


def violating_prod_stack() -> None:
    """A prod stack breaking several rules at once (each resource tagged prod)."""
    aws.s3.Bucket("open-bucket", bucket="open", tags=PROD_TAGS)
    aws.kms.Key("key", enable_key_rotation=False, tags=PROD_TAGS)
    aws.eks.Cluster(
        "cluster",
        role_arn="arn:aws:iam::123456789012:role/c",
        vpc_config={"subnet_ids": ["s"], "endpoint_public_access": True},
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
        enabled_cluster_log_types=["api"],
        tags=PROD_TAGS,
    )
    aws.iam.RolePolicyAttachment(
        "admin", role="r", policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    aws.ec2.LaunchTemplate(
        "lt",
        instance_type="m6i.large",
        metadata_options={"http_tokens": "optional"},
        tags={"owner": "x"},
        opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
    )


def test_pack_and_offline_plan_report_the_same_violations() -> None:
    resources = record(violating_prod_stack)
    pack = run_pack(resources)
    # The policy SDK does not expose retainOnDelete; only the offline plan checks it.
    assert pack == offline([replace(r, retain_on_delete=None) for r in resources], "prod")
    assert any("retainOnDelete" in m for _, _, m in offline(resources, "prod"))
    assert {p for p, _, _ in pack} >= {
        "s3-bucket-encryption",
        "s3-public-access-block",
        "s3-tls-only",
        "kms-key-rotation",
        "eks-private-endpoint-prod",
        "eks-control-plane-logging",
        "iam-no-full-access-managed-policies",
        "launch-template-imdsv2",
        "required-tags",
        "prod-stateful-protected",
    }


def dev_tagged_public_cluster() -> None:
    """A public EKS API whose tags say dev: a finding only where the environment is prod."""
    aws.eks.Cluster(
        "cluster",
        role_arn="arn:aws:iam::123456789012:role/c",
        vpc_config={"subnet_ids": ["s"], "endpoint_public_access": True},
        encryption_config={"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
        enabled_cluster_log_types=list(EKS_LOG_TYPES),
        tags={**PROD_TAGS, "environment": "dev"},
    )


def test_pack_reads_the_environment_from_policy_config() -> None:
    resources = record(dev_tagged_public_cluster)
    assert run_pack(resources) == set()
    by_config = {p for p, _, _ in run_pack(resources, {"environment": "prod"})}
    assert "eks-private-endpoint-prod" in by_config


def test_unknown_values_during_preview_are_not_violations() -> None:
    unknown = Resource(
        "aws:iam/policy:Policy",
        {"policy": UNKNOWN_STRING_VALUE, "tags": PROD_TAGS},
        "urn:pulumi:prod::p::aws:iam/policy:Policy::p",
        "p",
    )
    rotation = Resource(
        "aws:kms/key:Key",
        {"enableKeyRotation": "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", "tags": PROD_TAGS},
        "urn:pulumi:prod::p::aws:kms/key:Key::k",
        "k",
        protect=True,
    )
    assert run_pack([unknown, rotation]) == set()


def test_pack_over_the_shipped_plans(any_shipped_plan: Plan) -> None:
    resources = [Resource.from_plan(r) for r in any_shipped_plan.resources if r["custom"]]
    pack = run_pack(resources)
    assert pack == set()
    assert evaluate_policies(any_shipped_plan) == []


RECORD_PACK = """
import json, runpy, sys
import pulumi_policy

class Recorder:
    def __init__(self, **kwargs):
        print(json.dumps({
            "name": kwargs["name"],
            "policies": [[p.name, p.enforcement_level.value] for p in kwargs["policies"]],
        }))

pulumi_policy.PolicyPack = Recorder  # the real one starts a gRPC server and blocks
runpy.run_path("__main__.py", run_name="__main__")
"""


def test_main_builds_the_pack_from_the_rules() -> None:
    """Run `policy/__main__.py` as the CLI does (from the pack directory), with PolicyPack
    replaced by a recorder."""
    result = subprocess.run(
        [sys.executable, "-c", RECORD_PACK],
        cwd=POLICY_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    pack = json.loads(result.stdout.strip().splitlines()[-1])
    assert pack["name"] == PACK_NAME == "mlops-platform-policies"
    assert pack["policies"] == [[r.name, r.level] for r in RULES] + [
        [SUPPRESSED_POLICY, "advisory"]
    ]


def test_pack_project_files() -> None:
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert project["runtime"]["name"] == "python"
    requirements = (POLICY_DIR / "requirements.txt").read_text(encoding="utf-8")
    assert "pulumi-policy" in requirements


@pytest.mark.parametrize("module", ["pack.py", "taggable_types.py", "__main__.py"])
def test_pack_modules_need_only_the_policy_sdk(module: str) -> None:
    """The pack's virtualenv has pulumi and pulumi-policy only."""
    tree = ast.parse((POLICY_DIR / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {
        "__future__",
        "json",
        "os",
        "re",
        "sys",
        "pathlib",
        "collections",
        "dataclasses",
        "typing",
        "pulumi_policy",
        "policy",
    }


def test_bucket_settings_link_through_property_dependencies() -> None:
    """During preview a new bucket's name is unknown; the engine's property dependencies
    still tie each configuration resource to its bucket."""
    bucket_urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::data"
    other_urn = "urn:pulumi:dev::p::aws:s3/bucket:Bucket::other"
    config = {"tags": {"environment": "dev", "owner": "o", "cost-center": "c"}}
    resources = [
        PolicyResource("aws:s3/bucket:Bucket", _props(config), bucket_urn, "data",
                       _opts(Resource("", {})), None, None, [], {}),
        PolicyResource("aws:s3/bucket:Bucket", _props(config), other_urn, "other",
                       _opts(Resource("", {})), None, None, [], {}),
    ]  # fmt: skip
    sse = PolicyResource(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        _props(
            {
                "bucket": UNKNOWN_STRING_VALUE,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": UNKNOWN_STRING_VALUE,
                        }
                    }
                ],
            }
        ),
        "urn:pulumi:dev::p::sse::data-sse",
        "data-sse",
        _opts(Resource("", {})),
        None,
        None,
        # The key is a dependency too; only the `bucket` property names the bucket.
        [resources[0], resources[1]],
        {"bucket": [resources[0]]},
    )
    (policy,) = [p for p in build_policies(StackSettings()) if p.name == "s3-bucket-encryption"]
    reported: list[tuple[str, str]] = []
    policy.validate(
        StackValidationArgs([*resources, sse]),
        lambda message, urn=None: reported.append((urn, message)),
    )
    assert [urn for urn, _ in reported] == [other_urn]


FULL_ACCESS_RULE = "iam-no-full-access-managed-policies"
REASON = "Fork-only deploy role; scoped policy lands with ticket 42."
FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def two_attachments() -> None:
    aws.iam.RolePolicyAttachment("accepted", role="r", policy_arn=FULL_ACCESS)
    aws.iam.RolePolicyAttachment("unexpected", role="r", policy_arn=FULL_ACCESS)
    aws.s3.Bucket("open-bucket", bucket="open", tags=PROD_TAGS)


def stack_config(*suppressions: dict[str, str], environment: str = "prod") -> dict[str, str]:
    """Stack config entries as the Pulumi CLI passes them to the pack (PULUMI_CONFIG)."""
    return {
        "mlops-platform:environment": environment,
        "mlops-platform:policy": json.dumps({"suppressions": list(suppressions)}),
        "aws:region": "eu-west-1",
    }


def test_pack_honours_the_stack_files_suppressions() -> None:
    resources = record(two_attachments)
    settings = StackSettings.from_config(
        stack_config(
            {
                "rule": "iam-no-full-access-managed-policies",
                "resource": "accepted",
                "reason": REASON,
            },
            {"rule": "s3-tls-only", "resource": "open-bucket", "reason": REASON},
        )
    )
    assert settings.environment == "prod"
    assert len(settings.suppressions) == 2
    reported = run_pack(resources, settings=settings)
    by_policy = {(p, urn.rsplit("::", 1)[-1]) for p, urn, _ in reported}
    assert ("iam-no-full-access-managed-policies", "unexpected") in by_policy
    assert ("iam-no-full-access-managed-policies", "accepted") not in by_policy
    assert ("s3-tls-only", "open-bucket") not in by_policy
    assert ("s3-bucket-encryption", "open-bucket") in by_policy
    # The suppressed findings are still shown, as advisory, with their reasons.
    notes = sorted((urn.rsplit("::", 1)[-1], m) for p, urn, m in reported if p == SUPPRESSED_POLICY)
    assert [name for name, _ in notes] == ["accepted", "open-bucket"]
    assert all(REASON in message and "mandatory" in message for _, message in notes)
    # Without suppressions the pack and the offline plan agree again.
    assert {(p, u) for p, u, _ in run_pack(resources)} >= {
        ("iam-no-full-access-managed-policies", r.urn) for r in resources if r.name == "accepted"
    }


def test_pack_takes_the_environment_from_the_stack_config() -> None:
    resources = record(dev_tagged_public_cluster)
    prod = StackSettings.from_environ({"PULUMI_CONFIG": json.dumps(stack_config())})
    assert "eks-private-endpoint-prod" in {p for p, _, _ in run_pack(resources, settings=prod)}
    # The policy config still wins over the stack's config.
    overridden = run_pack(resources, {"environment": "dev"}, settings=prod)
    assert "eks-private-endpoint-prod" not in {p for p, _, _ in overridden}
    assert StackSettings.from_environ({}) == StackSettings()
    assert StackSettings.from_environ({"PULUMI_CONFIG": "not json"}) == StackSettings()


def _struct(value: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def test_the_running_pack_reads_suppressions_from_the_cli_environment() -> None:
    """Start the pack as the Pulumi CLI does (its own process, the stack's config in
    PULUMI_CONFIG) and call it over gRPC the way the engine does."""
    import grpc
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    suppression = {"rule": "iam-no-full-access-managed-policies", "resource": "accepted",
                   "reason": REASON}  # fmt: skip
    env = {**os.environ, "PULUMI_CONFIG": json.dumps(stack_config(suppression))}
    pack = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=POLICY_DIR, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        port = pack.stdout.readline().strip() if pack.stdout else ""
        assert port.isdigit(), "the pack did not print its port"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            analyzer = analyzer_pb2_grpc.AnalyzerStub(channel)
            props = {"role": "r", "policyArn": FULL_ACCESS}
            reported = {}
            for name in ("accepted", "unexpected"):
                urn = f"urn:pulumi:prod::mlops-platform::{ATTACHMENT}::{name}"
                request = analyzer_pb2.AnalyzeRequest(
                    type=ATTACHMENT, properties=_struct(props), urn=urn, name=name
                )
                response = analyzer.Analyze(request, timeout=60)
                reported[name] = [d.policyName for d in response.diagnostics]
            stack = analyzer.AnalyzeStack(
                analyzer_pb2.AnalyzeStackRequest(
                    resources=[
                        analyzer_pb2.AnalyzerResource(
                            type=ATTACHMENT,
                            properties=_struct(props),
                            urn=f"urn:pulumi:prod::mlops-platform::{ATTACHMENT}::accepted",
                            name="accepted",
                        )
                    ]
                ),
                timeout=60,
            )
    finally:
        pack.terminate()
        pack.wait()
    assert reported == {"accepted": [], "unexpected": ["iam-no-full-access-managed-policies"]}
    (note,) = [d for d in stack.diagnostics if d.policyName == SUPPRESSED_POLICY]
    assert REASON in note.message and note.urn.endswith("::accepted")
    assert note.enforcementLevel == analyzer_pb2.ADVISORY


ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
