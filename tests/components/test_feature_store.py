"""FeatureStore under the mock runtime: groups, encryption, offline store, scoped role."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components import Deployment
from components.feature_store import (
    FeatureArgs,
    FeatureGroupArgs,
    FeatureStore,
    FeatureStoreArgs,
)
from infra.mocks import MOCK_ACCOUNT_ID
from infra.plan import Plan, build_plan
from tests.helpers import BASE_STACK, of_type, policy_json, run_component, write_stack

FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/test-key"


def _only(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    [resource] = [r for r in of_type(plan, type_token) if r["name"] == name]
    return resource


def _groups(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r["inputs"]["featureGroupName"]: r for r in of_type(plan, FEATURE_GROUP)}


def _key_arn(plan: Plan) -> str:
    return plan.outputs["kmsKeyArn"]


# -- the shipped prod stack ------------------------------------------------------------


def test_one_feature_group_per_configured_group(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    configured = [g.name for g in plan.config.feature_store.feature_groups]
    assert len(configured) >= 3
    assert sorted(_groups(plan)) == sorted(f"mlops-prod-{name}" for name in configured)
    assert plan.outputs["featureGroupNames"] == [f"mlops-prod-{name}" for name in configured]


def test_groups_match_their_declared_schema(any_shipped_plan: Plan) -> None:
    groups = _groups(any_shipped_plan)
    for group in any_shipped_plan.config.feature_store.feature_groups:
        inputs = groups[f"mlops-{any_shipped_plan.stack}-{group.name}"]["inputs"]
        assert inputs["recordIdentifierFeatureName"] == group.record_identifier
        assert inputs["eventTimeFeatureName"] == group.event_time
        assert inputs["featureDefinitions"] == [
            {"featureName": f.name, "featureType": f.type} for f in group.features
        ]


def test_online_stores_are_kms_encrypted_with_configured_ttl(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    groups = _groups(plan)
    online_groups = 0
    for group in plan.config.feature_store.feature_groups:
        inputs = groups[f"mlops-prod-{group.name}"]["inputs"]
        if not group.online_store.enabled:
            assert "onlineStoreConfig" not in inputs
            continue
        online_groups += 1
        online = inputs["onlineStoreConfig"]
        assert online["enableOnlineStore"] is True
        assert online["securityConfig"]["kmsKeyId"] == _key_arn(plan)
        assert online["ttlDuration"] == {"unit": "Days", "value": group.online_store.ttl_days}
    assert online_groups >= 3


def test_offline_stores_are_in_the_feature_bucket_encrypted_and_catalogued(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    bucket = plan.outputs["featureStoreBucketName"]
    database = plan.outputs["glueDatabaseName"]
    for name, group in _groups(plan).items():
        offline = group["inputs"]["offlineStoreConfig"]
        assert offline["s3StorageConfig"]["s3Uri"] == f"s3://{bucket}/offline-store", name
        assert offline["s3StorageConfig"]["kmsKeyId"] == _key_arn(plan)
        assert offline["dataCatalogConfig"]["database"] == database
        assert offline["dataCatalogConfig"]["catalog"] == "AwsDataCatalog"
    formats = {g["inputs"]["offlineStoreConfig"]["tableFormat"] for g in _groups(plan).values()}
    assert formats == {"Glue", "Iceberg"}


def test_bucket_and_database_names_are_deterministic(any_shipped_plan: Plan) -> None:
    stack = any_shipped_plan.stack
    bucket = _only(any_shipped_plan, "aws:s3/bucket:Bucket", "feature-store-offline")
    assert bucket["inputs"]["bucket"] == f"mlops-{stack}-features-{MOCK_ACCOUNT_ID}"
    assert any_shipped_plan.outputs["featureStoreBucketName"] == bucket["inputs"]["bucket"]
    catalog = _only(
        any_shipped_plan, "aws:glue/catalogDatabase:CatalogDatabase", "feature-store-catalog"
    )
    assert catalog["inputs"]["name"] == f"mlops_{stack}_features"
    assert any_shipped_plan.outputs["glueDatabaseName"] == f"mlops_{stack}_features"


def test_groups_use_the_feature_store_role_after_its_policy(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    role = _only(plan, "aws:iam/role:Role", "feature-store-role")
    policy = _only(plan, "aws:iam/rolePolicy:RolePolicy", "feature-store-role-policy")
    assert policy_json(role, "assumeRolePolicy")["Statement"][0]["Principal"] == {
        "Service": "sagemaker.amazonaws.com"
    }
    for group in _groups(plan).values():
        assert (
            group["inputs"]["roleArn"]
            == f"arn:aws:iam::{MOCK_ACCOUNT_ID}:role/mlops-prod-feature-store"
        )
        assert policy["urn"] in group["dependsOn"]


def test_role_is_scoped_to_exactly_the_bucket_key_and_database(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    bucket_arn = f"arn:aws:s3:::{plan.outputs['featureStoreBucketName']}"
    database = plan.outputs["glueDatabaseName"]
    glue = f"arn:aws:glue:eu-west-1:{MOCK_ACCOUNT_ID}:"
    allowed = {
        "s3": {bucket_arn, f"{bucket_arn}/offline-store/*"},
        "kms": {_key_arn(plan)},
        "glue": {f"{glue}catalog", f"{glue}database/{database}", f"{glue}table/{database}/*"},
    }
    document = policy_json(
        _only(plan, "aws:iam/rolePolicy:RolePolicy", "feature-store-role-policy")
    )
    services = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        service = {a.split(":")[0] for a in actions}
        assert len(service) == 1, statement
        (svc,) = service
        services.add(svc)
        assert all("*" not in a for a in actions), f"wildcard action in {statement}"
        assert set(resources) <= allowed[svc], statement
    assert services == {"s3", "kms", "glue"}


def test_stateful_resources_protected_only_in_prod(shipped_plan: Callable[[str], Plan]) -> None:
    for stack, expected in (("prod", True), ("dev", False)):
        plan = shipped_plan(stack)
        stateful = [
            _only(plan, "aws:s3/bucket:Bucket", "feature-store-offline"),
            _only(plan, "aws:glue/catalogDatabase:CatalogDatabase", "feature-store-catalog"),
            *of_type(plan, FEATURE_GROUP),
        ]
        for resource in stateful:
            assert resource["protect"] is expected, (stack, resource["urn"])
            assert resource["retainOnDelete"] is expected, (stack, resource["urn"])


def test_feature_resources_carry_the_stack_tags(any_shipped_plan: Plan) -> None:
    for resource in of_type(any_shipped_plan, FEATURE_GROUP):
        tags = resource["inputs"]["tags"]
        assert tags["owner"] == "ml-platform"
        assert tags["environment"] == any_shipped_plan.environment
        assert tags["Name"] == resource["inputs"]["featureGroupName"]


# -- variants from stack files -------------------------------------------------------------


def test_offline_only_and_online_only_groups(tmp_path: Path) -> None:
    features = [{"name": "id", "type": "Integral"}, {"name": "ts", "type": "Fractional"}]
    config = {
        **BASE_STACK,
        "mlops-platform:featureStore": {
            "featureGroups": [
                {"name": "history", "recordIdentifier": "id", "eventTime": "ts",
                 "features": features, "onlineStore": {"enabled": False}},
                {"name": "realtime", "recordIdentifier": "id", "eventTime": "ts",
                 "features": features, "offlineStore": {"enabled": False}},
            ]
        },
    }  # fmt: skip
    plan = build_plan("fs", write_stack(tmp_path, config))
    groups = _groups(plan)
    assert "onlineStoreConfig" not in groups["mlops-fs-history"]["inputs"]
    assert "offlineStoreConfig" in groups["mlops-fs-history"]["inputs"]
    assert "offlineStoreConfig" not in groups["mlops-fs-realtime"]["inputs"]
    realtime_online = groups["mlops-fs-realtime"]["inputs"]["onlineStoreConfig"]
    assert "ttlDuration" not in realtime_online
    assert realtime_online["securityConfig"]["kmsKeyId"] == _key_arn(plan)


# -- the component on its own ------------------------------------------------------------


def test_component_exposes_names_and_arns() -> None:
    deployment = Deployment(stack="unit", environment="dev", region="eu-west-1")

    def build() -> dict[str, Any]:
        store = FeatureStore(
            "fs",
            FeatureStoreArgs(
                kms_key_arn=KEY_ARN,
                feature_groups=[
                    FeatureGroupArgs(
                        name=name,
                        record_identifier="id",
                        event_time="ts",
                        features=[FeatureArgs("id", "String"), FeatureArgs("ts", "String")],
                    )
                    for name in ("alpha", "beta")
                ],
            ),
            deployment,
        )
        return {
            "bucket_name": store.bucket_name,
            "bucket_arn": store.bucket_arn,
            "glue_database_name": store.glue_database_name,
            "feature_group_names": store.feature_group_names,
            "feature_group_arns": store.feature_group_arns,
            "role_arn": store.role_arn,
        }

    registrations, out = run_component(build)
    assert out["bucket_name"] == f"mlops-unit-features-{MOCK_ACCOUNT_ID}"
    assert out["bucket_arn"] == f"arn:aws:s3:::mlops-unit-features-{MOCK_ACCOUNT_ID}"
    assert out["glue_database_name"] == "mlops_unit_features"
    assert out["feature_group_names"] == ["mlops-unit-alpha", "mlops-unit-beta"]
    assert set(out["feature_group_arns"]) == {"alpha", "beta"}
    assert out["feature_group_arns"]["alpha"].endswith(":feature-group/mlops-unit-alpha")
    assert out["role_arn"].endswith(":role/mlops-unit-feature-store")
    # Every child hangs under the component (directly or through a child of it).
    component = next(r for r in registrations if r["type"] == "mlops:data:FeatureStore")
    urns = {r["urn"]: r for r in registrations}
    for resource in registrations:
        if resource is component:
            continue
        root = resource
        while root["parent"] and root["parent"] in urns and root["parent"] != component["urn"]:
            root = urns[root["parent"]]
        assert root["parent"] == component["urn"], resource["urn"]


def test_component_rejects_group_names_sagemaker_would_truncate() -> None:
    deployment = Deployment(
        stack="a-rather-long-stack-name-here", environment="dev", region="eu-west-1"
    )
    group = FeatureGroupArgs(
        name="a-very-long-feature-group-name-x",
        record_identifier="id",
        event_time="ts",
        features=[FeatureArgs("id", "String"), FeatureArgs("ts", "String")],
    )

    def build() -> dict[str, Any]:
        FeatureStore(
            "fs", FeatureStoreArgs(kms_key_arn=KEY_ARN, feature_groups=[group]), deployment
        )
        return {}

    with pytest.raises(ValueError, match="longer than 64 characters"):
        run_component(build)


@pytest.mark.parametrize("stack", ["dev", "a" * 40, "Team_B.prod", "x" * 100])
def test_account_bucket_names_are_valid_and_stable(stack: str) -> None:
    deployment = Deployment(stack=stack, environment="dev", region="eu-west-1")
    name = deployment.bucket_name("features", MOCK_ACCOUNT_ID)
    assert 3 <= len(name) <= 63
    assert name == deployment.bucket_name("features", MOCK_ACCOUNT_ID)
    assert name.endswith(f"-{MOCK_ACCOUNT_ID}")
    assert json.dumps(name).strip('"').replace("-", "").isalnum() and name == name.lower()
    other = Deployment(stack=stack + "2", environment="dev", region="eu-west-1")
    assert other.bucket_name("features", MOCK_ACCOUNT_ID) != name
