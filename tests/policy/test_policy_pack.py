"""The pulumi-policy pack runs the same rules as the offline plan.

The pack's policies are called the way the analyzer calls them: `ResourceValidationArgs` /
`StackValidationArgs` whose props sit behind pulumi-policy's unknown-checking proxy. Building
`PolicyPack` itself starts a gRPC server, so `policy/__main__.py` is only parsed, never run.
"""

from __future__ import annotations

import ast
import copy
import json
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
from policy.pack import PACK_NAME, build_policies
from policy.rules import RULES, Resource, ResourceRule, StackRule, evaluate

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
    resources: list[Resource], config: dict[str, Any] | None = None
) -> set[tuple[str, str, str]]:
    """(policy, urn, message) of every violation the pack's policies report."""
    reported: set[tuple[str, str, str]] = set()
    policies = build_policies()
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
    policies = build_policies()
    assert [p.name for p in policies] == [r.name for r in RULES]
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


def test_pack_reads_the_environment_from_policy_config() -> None:
    def dev_tagged_public_cluster() -> None:
        aws.eks.Cluster(
            "cluster",
            role_arn="arn:aws:iam::123456789012:role/c",
            vpc_config={"subnet_ids": ["s"], "endpoint_public_access": True},
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
            enabled_cluster_log_types=[
                "api",
                "audit",
                "authenticator",
                "controllerManager",
                "scheduler",
            ],
            tags={**PROD_TAGS, "environment": "dev"},
        )

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
    assert pack["policies"] == [[r.name, r.level] for r in RULES]


def test_pack_project_files() -> None:
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert project["runtime"]["name"] == "python"
    requirements = (POLICY_DIR / "requirements.txt").read_text(encoding="utf-8")
    assert "pulumi-policy" in requirements


@pytest.mark.parametrize("module", ["rules.py", "pack.py", "taggable_types.py"])
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
        "re",
        "collections",
        "dataclasses",
        "typing",
        "pulumi_policy",
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
    (policy,) = [p for p in build_policies() if p.name == "s3-bucket-encryption"]
    reported: list[tuple[str, str]] = []
    policy.validate(
        StackValidationArgs([*resources, sse]),
        lambda message, urn=None: reported.append((urn, message)),
    )
    assert [urn for urn, _ in reported] == [other_urn]
