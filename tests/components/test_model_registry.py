"""ModelRegistry under the mock runtime: groups, cross-account policies, ECR, MLflow."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components import Deployment
from components.model_registry import (
    MlflowArgs,
    ModelFamilyArgs,
    ModelRegistry,
    ModelRegistryArgs,
    ServingImageArgs,
)
from infra.mocks import MOCK_ACCOUNT_ID
from infra.plan import Plan, build_plan
from tests.helpers import (
    BASE_STACK,
    children_of,
    of_type,
    policy_json,
    run_component,
    write_stack,
)

GROUP = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
GROUP_POLICY = "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy"
REPOSITORY = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
MLFLOW = "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test-key"


def _named(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    [resource] = [r for r in of_type(plan, type_token) if r["name"] == name]
    return resource


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_one_model_package_group_per_model_family(any_shipped_plan: Plan) -> None:
    stack = any_shipped_plan.stack
    models = any_shipped_plan.config.registry.models
    names = sorted(r["inputs"]["modelPackageGroupName"] for r in of_type(any_shipped_plan, GROUP))
    assert names == sorted(f"mlops-{stack}-{m.name}" for m in models)
    assert any_shipped_plan.outputs["modelPackageGroupNames"] == [
        f"mlops-{stack}-{m.name}" for m in models
    ]


def test_consumer_accounts_get_read_policy_on_their_group_only(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    with_consumers = [m for m in plan.config.registry.models if m.consumer_accounts]
    assert len(with_consumers) >= 2
    policies = of_type(plan, GROUP_POLICY)
    assert len(policies) == len(with_consumers)
    for model in with_consumers:
        group = _named(plan, GROUP, f"model-registry-{model.name}")
        [policy] = [p for p in policies if p["parent"] == group["urn"]]
        physical = f"mlops-prod-{model.name}"
        assert policy["inputs"]["modelPackageGroupName"] == physical
        document = policy_json(policy, "resourcePolicy")
        principals = {f"arn:aws:iam::{a}:root" for a in model.consumer_accounts}
        resources: set[str] = set()
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            assert set(_as_list(statement["Principal"]["AWS"])) == principals
            for action in _as_list(statement["Action"]):
                assert action in {
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:ListModelPackages",
                    "sagemaker:CreateModel",
                }, action
            resources.update(_as_list(statement["Resource"]))
        prefix = f"arn:aws:sagemaker:eu-west-1:{MOCK_ACCOUNT_ID}"
        assert resources == {
            f"{prefix}:model-package-group/{physical}",
            f"{prefix}:model-package/{physical}/*",
        }
    # A family without consumers is shared with nobody.
    for model in plan.config.registry.models:
        if not model.consumer_accounts:
            group = _named(plan, GROUP, f"model-registry-{model.name}")
            assert not [p for p in policies if p["parent"] == group["urn"]]


def test_consumers_read_only_their_familys_artifacts(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    bucket = plan.outputs["artifactBucketName"]
    assert bucket == f"mlops-prod-artifacts-{MOCK_ACCOUNT_ID}"
    document = policy_json(
        _named(plan, "aws:s3/bucketPolicy:BucketPolicy", "model-registry-artifacts-policy")
    )
    grants = {}
    for statement in document["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        assert statement["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
        grants[statement["Resource"]] = set(statement["Principal"]["AWS"])
    expected = {
        f"arn:aws:s3:::{bucket}/models/{m.name}/*": {
            f"arn:aws:iam::{a}:root" for a in m.consumer_accounts
        }
        for m in plan.config.registry.models
        if m.consumer_accounts
    }
    assert grants == expected
    # The TLS-only denies of SecureBucket are still there.
    sids = {s.get("Sid") for s in document["Statement"]}
    assert {"DenyInsecureTransport", "DenyOutdatedTls"} <= sids


def test_consumers_may_decrypt_objects_of_the_artifact_bucket_only(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    bucket_arn = f"arn:aws:s3:::{plan.outputs['artifactBucketName']}"
    consumers = {a for m in plan.config.registry.models for a in m.consumer_accounts}
    registry = next(r["urn"] for r in plan.resources if r["type"] == "mlops:registry:ModelRegistry")
    grants = [g for g in of_type(plan, "aws:kms/grant:Grant") if g["parent"] == registry]
    assert {g["inputs"]["granteePrincipal"] for g in grants} == {
        f"arn:aws:iam::{a}:root" for a in consumers
    }
    for grant in grants:
        assert grant["inputs"]["keyId"] == plan.outputs["kmsKeyArn"]
        assert grant["inputs"]["operations"] == ["Decrypt"]
        assert grant["inputs"]["constraints"] == [
            {"encryptionContextSubset": {"aws:s3:arn": bucket_arn}}
        ]
    dev = shipped_plan("dev")
    dev_registry = next(
        r["urn"] for r in dev.resources if r["type"] == "mlops:registry:ModelRegistry"
    )
    assert [g for g in of_type(dev, "aws:kms/grant:Grant") if g["parent"] == dev_registry] == []


def test_repositories_scan_on_push_immutable_and_kms(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    repos = of_type(plan, REPOSITORY)
    assert len(repos) == len(plan.config.registry.images) >= 1
    for repo in repos:
        inputs = repo["inputs"]
        assert inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert inputs["imageTagMutability"] == "IMMUTABLE"
        assert inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": plan.outputs["kmsKeyArn"]}
        ]
        assert inputs["forceDelete"] is (not plan.config.profile.protect_stateful)
    urls = plan.outputs["ecrRepositoryUrls"]
    assert set(urls) == {i.name for i in plan.config.registry.images}
    for image, url in urls.items():
        assert (
            url == f"{MOCK_ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/mlops-{plan.stack}/{image}"
        )


def _expires(rules: list[dict[str, Any]], tags: list[str] | None) -> bool:
    """Whether any lifecycle rule may select an image with these tags (None: untagged).

    ECR's matching: `untagged` selects images without tags, `any` every image, `tagged`
    with a prefix list an image having a tag that starts with one of the prefixes.
    """
    for rule in rules:
        selection = rule["selection"]
        status = selection["tagStatus"]
        if status == "any" or (status == "untagged" and not tags):
            return True
        if status == "tagged" and tags:
            prefixes = selection.get("tagPrefixList", [])
            patterns = selection.get("tagPatternList", [])
            if not prefixes and not patterns:
                return True
            if any(t.startswith(p) for t in tags for p in prefixes):
                return True
            if any(p == "*" for p in patterns):
                return True
    return False


def test_lifecycle_never_expires_a_release_image(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    for image in plan.config.registry.images:
        repo = _named(plan, REPOSITORY, f"model-registry-{image.name}")
        [lifecycle] = [r for r in children_of(plan, repo["urn"]) if r["type"] == LIFECYCLE]
        rules = json.loads(lifecycle["inputs"]["policy"])["rules"]
        # No rule counts images across all tags: it would expire a deployed version's image.
        assert all(r["selection"]["tagStatus"] != "any" for r in rules)
        assert not _expires(rules, ["1.4.2"])
        assert not _expires(rules, ["2024-11-02-abc123", "release"])
        assert _expires(rules, None)
        for prefix in image.scratch_tag_prefixes:
            assert _expires(rules, [f"{prefix}1234"])
        keep = [r for r in rules if r["selection"]["countType"] == "imageCountMoreThan"]
        assert [r["selection"]["countNumber"] for r in keep] == [image.keep_scratch_images]
        assert keep[0]["selection"]["tagPrefixList"] == image.scratch_tag_prefixes
        assert all(r["action"] == {"type": "expire"} for r in rules)


def test_image_consumers_may_pull_and_nothing_else(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    policies = of_type(plan, REPOSITORY_POLICY)
    pullers = plan.config.registry.image_consumers(plan.config.serving.families_by_image())
    shared = [i for i in plan.config.registry.images if pullers[i.name]]
    assert len(policies) == len(shared) >= 1
    # Every consumer of a family may pull the image that family is served from.
    for endpoint in plan.config.serving.endpoints:
        family = next(m for m in plan.config.registry.models if m.name == endpoint.model)
        assert set(family.consumer_accounts) <= set(pullers[endpoint.image])
    for image in shared:
        repo = _named(plan, REPOSITORY, f"model-registry-{image.name}")
        [policy] = [r for r in children_of(plan, repo["urn"]) if r["type"] == REPOSITORY_POLICY]
        [statement] = policy_json(policy)["Statement"]
        assert set(statement["Action"]) == {
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability",
        }
        assert statement["Principal"]["AWS"] == [
            f"arn:aws:iam::{a}:root" for a in pullers[image.name]
        ]


def test_mlflow_in_prod_stores_artifacts_in_the_artifact_bucket(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    [server] = of_type(plan, MLFLOW)
    bucket = plan.outputs["artifactBucketName"]
    inputs = server["inputs"]
    assert inputs["artifactStoreUri"] == f"s3://{bucket}/mlflow"
    assert inputs["trackingServerName"] == "mlops-prod-mlflow"
    assert inputs["trackingServerSize"] == plan.config.registry.mlflow.size
    assert inputs["roleArn"] == f"arn:aws:iam::{MOCK_ACCOUNT_ID}:role/mlops-prod-mlflow"
    assert server["protect"] and server["retainOnDelete"]
    assert plan.outputs["mlflowTrackingServerArn"].endswith(
        ":mlflow-tracking-server/mlops-prod-mlflow"
    )
    policy = _named(plan, "aws:iam/rolePolicy:RolePolicy", "model-registry-mlflow-role-policy")
    assert policy["urn"] in server["dependsOn"]


def test_mlflow_role_is_least_privilege(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    bucket_arn = f"arn:aws:s3:::{plan.outputs['artifactBucketName']}"
    sagemaker = f"arn:aws:sagemaker:eu-west-1:{MOCK_ACCOUNT_ID}:"
    allowed = {
        bucket_arn,
        f"{bucket_arn}/mlflow/*",
        plan.outputs["kmsKeyArn"],
        f"{sagemaker}model-package-group/mlops-prod-*",
        f"{sagemaker}model-package/mlops-prod-*/*",
    }
    document = policy_json(
        _named(plan, "aws:iam/rolePolicy:RolePolicy", "model-registry-mlflow-role-policy")
    )
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Resource"])) <= allowed, statement
        assert all(not a.endswith(":*") for a in _as_list(statement["Action"])), statement
    role = _named(plan, "aws:iam/role:Role", "model-registry-mlflow-role")
    [trust] = policy_json(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "sagemaker.amazonaws.com"}


def test_dev_has_no_mlflow_and_no_export(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("dev")
    assert of_type(plan, MLFLOW) == []
    assert "mlflowTrackingServerArn" not in plan.outputs
    assert not [r for r in plan.resources if r["name"].startswith("model-registry-mlflow")]


def test_stateful_registry_resources_protected_only_in_prod(
    shipped_plan: Callable[[str], Plan],
) -> None:
    for stack, expected in (("prod", True), ("dev", False)):
        plan = shipped_plan(stack)
        stateful = [*of_type(plan, GROUP), *of_type(plan, REPOSITORY), *of_type(plan, MLFLOW)]
        stateful.append(_named(plan, "aws:s3/bucket:Bucket", "model-registry-artifacts"))
        for resource in stateful:
            assert resource["protect"] is expected, resource["urn"]
            assert resource["retainOnDelete"] is expected, resource["urn"]
        # Policies hold no data; protecting them would block withdrawing access.
        for kind in (GROUP_POLICY, LIFECYCLE, REPOSITORY_POLICY):
            assert [r["urn"] for r in of_type(plan, kind) if r["protect"]] == []


def test_mlflow_without_registration_cannot_touch_the_registry(tmp_path: Path) -> None:
    config = {
        **BASE_STACK,
        "mlops-platform:registry": {"mlflow": {"enabled": True, "size": "Large", "version": "3.0"}},
    }
    plan = build_plan("reg", write_stack(tmp_path, config))
    [server] = of_type(plan, MLFLOW)
    assert server["inputs"]["trackingServerSize"] == "Large"
    assert server["inputs"]["mlflowVersion"] == "3.0"
    assert server["inputs"]["automaticModelRegistration"] is False
    document = policy_json(
        _named(plan, "aws:iam/rolePolicy:RolePolicy", "model-registry-mlflow-role-policy")
    )
    actions = [a for s in document["Statement"] for a in _as_list(s["Action"])]
    assert not [a for a in actions if a.startswith("sagemaker:")]
    # No models, no images: nothing else is registered for them.
    assert of_type(plan, GROUP) == [] and of_type(plan, REPOSITORY) == []
    assert plan.outputs["modelPackageGroupNames"] == []
    assert plan.outputs["ecrRepositoryUrls"] == {}


def test_component_exposes_names_arns_and_urls() -> None:
    deployment = Deployment(stack="unit", environment="dev", region="eu-west-1")

    def build(mlflow: MlflowArgs | None) -> Callable[[], dict[str, Any]]:
        def run() -> dict[str, Any]:
            registry = ModelRegistry(
                "reg",
                ModelRegistryArgs(
                    kms_key_arn=KEY_ARN,
                    models=[ModelFamilyArgs("scorer", consumer_accounts=["111122223333"])],
                    images=[ServingImageArgs("scorer-serving", keep_scratch_images=5)],
                    mlflow=mlflow,
                ),
                deployment,
            )
            return {
                "package_arn": registry.model_package_arn("scorer", 7),
                "artifact_bucket_name": registry.artifact_bucket_name,
                "artifact_bucket_arn": registry.artifact_bucket_arn,
                "model_package_group_names": registry.model_package_group_names,
                "model_package_group_arns": registry.model_package_group_arns,
                "repository_urls": registry.repository_urls,
                "repository_arns": registry.repository_arns,
                "mlflow": registry.mlflow_tracking_server_arn,
            }

        return run

    registrations, out = run_component(build(MlflowArgs()))
    assert out["artifact_bucket_name"] == f"mlops-unit-artifacts-{MOCK_ACCOUNT_ID}"
    assert out["artifact_bucket_arn"] == f"arn:aws:s3:::mlops-unit-artifacts-{MOCK_ACCOUNT_ID}"
    assert out["model_package_group_names"] == ["mlops-unit-scorer"]
    assert out["package_arn"] == (
        f"arn:aws:sagemaker:eu-west-1:{MOCK_ACCOUNT_ID}:model-package/mlops-unit-scorer/7"
    )
    assert out["model_package_group_arns"]["scorer"].endswith(
        ":model-package-group/mlops-unit-scorer"
    )
    registry_host = f"{MOCK_ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"
    assert out["repository_urls"] == {
        "scorer-serving": f"{registry_host}/mlops-unit/scorer-serving"
    }
    assert out["repository_arns"]["scorer-serving"].endswith(
        ":repository/mlops-unit/scorer-serving"
    )
    assert out["mlflow"].endswith(":mlflow-tracking-server/mlops-unit-mlflow")
    assert sum(r["type"] == MLFLOW for r in registrations) == 1

    registrations, out = run_component(build(None))
    assert out["mlflow"] is None
    assert not [r for r in registrations if r["type"] == MLFLOW]


def test_component_rejects_group_names_sagemaker_would_refuse() -> None:
    deployment = Deployment(stack="s" * 30, environment="dev", region="eu-west-1")

    def build() -> dict[str, Any]:
        ModelRegistry(
            "reg",
            ModelRegistryArgs(kms_key_arn=KEY_ARN, models=[ModelFamilyArgs("m" * 32)]),
            deployment,
        )
        return {}

    with pytest.raises(ValueError, match="longer than 63 characters"):
        run_component(build)
