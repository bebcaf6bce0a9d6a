"""ServingEndpoint: per endpoint a model, an immutable config, a blue/green endpoint, scaling."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from components import Deployment, ServingEndpoint, ServingEndpointArgs
from components.monitoring import endpoint_alarm_names
from components.serving_endpoint import RolloutArgs, ServerlessArgs, image_uri
from infra.mocks import PlatformMocks
from infra.plan import Plan, RecordingMonitor, record_resources
from tests.helpers import of_type, policy_json

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


# -- running one component under mocks -------------------------------------------------------


class _OptionRecorder(RecordingMonitor):
    """Also keeps the delete-before-replace option, which the plan document leaves out."""

    def RegisterResource(self, request: Any) -> Any:
        count = len(self.registrations)
        response = super().RegisterResource(request)
        if len(self.registrations) > count:
            self.registrations[-1]["deleteBeforeReplace"] = bool(request.deleteBeforeReplace)
            self.registrations[-1]["deleteBeforeReplaceDefined"] = bool(
                request.deleteBeforeReplaceDefined
            )
        return response


def run_component(build: Callable[[], None]) -> list[dict[str, Any]]:
    """Registrations made by `build()` run under the platform mocks, in isolation."""
    return record_resources(
        build, stack="unit", monitor=_OptionRecorder(PlatformMocks(region="eu-west-1"))
    )[0]


DEPLOYMENT = Deployment(stack="unit", environment="prod", region="eu-west-1", tags={"a": "b"})
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-unit-serving"


def real_time_args(**overrides: Any) -> ServingEndpointArgs:
    values: dict[str, Any] = {
        "endpoint_name": "mlops-unit-fraud",
        "model_family": "fraud-detector",
        "repository_url": REPO,
        "repository_arn": "arn:aws:ecr:eu-west-1:123456789012:repository/mlops-unit-serving",
        "image_tag": "1.4.2",
        "artifact_bucket_name": "mlops-unit-artifacts",
        "artifact_bucket_arn": "arn:aws:s3:::mlops-unit-artifacts",
        "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/k",
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-a", "subnet-b"],
        "rollback_alarm_names": endpoint_alarm_names("mlops-unit-fraud").all(),
        "log_retention_days": 365,
        "instance_type": "ml.c6i.xlarge",
        "min_instances": 2,
        "max_instances": 6,
        "data_capture_percent": 20,
        "rollout": RolloutArgs(strategy="linear", step_percent=25, wait_seconds=120),
    }
    values.update(overrides)
    return ServingEndpointArgs(**values)


def build(args: ServingEndpointArgs) -> list[dict[str, Any]]:
    return run_component(lambda: ServingEndpoint("fraud", args, DEPLOYMENT))


def one(resources: list[dict[str, Any]], type_token: str) -> dict[str, Any]:
    found = [r for r in resources if r["type"] == type_token]
    assert len(found) == 1, f"expected one {type_token}, got {len(found)}"
    return found[0]


def endpoints_of(plan: Plan) -> list[dict[str, Any]]:
    return of_type(plan, ENDPOINT)


def child_of_type(plan: Plan, endpoint: dict[str, Any], type_token: str) -> list[dict[str, Any]]:
    component = endpoint["parent"]
    descendants = {component}
    changed = True
    while changed:
        changed = False
        for r in plan.resources:
            if r["parent"] in descendants and r["urn"] not in descendants:
                descendants.add(r["urn"])
                changed = True
    return [r for r in plan.resources if r["type"] == type_token and r["urn"] in descendants]


# -- the shipped stacks ------------------------------------------------------------------------


def test_every_configured_endpoint_has_its_own_component(any_shipped_plan: Plan) -> None:
    configured = [e.name for e in any_shipped_plan.config.serving.endpoints]
    components = [
        r for r in any_shipped_plan.resources if r["type"] == "mlops:serving:ServingEndpoint"
    ]
    assert sorted(r["name"] for r in components) == sorted(f"endpoint-{n}" for n in configured)
    names = {r["inputs"]["name"] for r in endpoints_of(any_shipped_plan)}
    assert names == set(any_shipped_plan.outputs["endpointNames"])
    assert set(any_shipped_plan.outputs["endpointNames"]) == {
        f"mlops-{any_shipped_plan.stack}-{n}" for n in configured
    }


def test_prod_lists_model_config_endpoint_and_scaling_per_endpoint(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    endpoints = endpoints_of(plan)
    assert len(endpoints) == 3
    for endpoint in endpoints:
        for type_token in (MODEL, CONFIG, TARGET, POLICY):
            assert len(child_of_type(plan, endpoint, type_token)) == 1, (
                endpoint["name"],
                type_token,
            )


def test_prod_models_are_isolated_in_private_subnets(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    private = plan.outputs["privateSubnetIds"]
    for config in plan.config.serving.endpoints:
        model = next(
            r for r in of_type(plan, MODEL) if r["name"] == f"endpoint-{config.name}-model"
        )
        inputs = model["inputs"]
        assert inputs["enableNetworkIsolation"] is True
        assert inputs["vpcConfig"]["subnets"] == private
        assert len(inputs["vpcConfig"]["securityGroupIds"]) == 1
        container = inputs["primaryContainer"]
        assert container["image"] == (
            f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-prod/{config.image}:latest"
        )
        assert container["modelDataUrl"] == (
            f"s3://mlops-prod-artifacts-123456789012/models/{config.model}/model.tar.gz"
        )


def test_prod_endpoint_configs_encrypt_and_capture_requests_and_responses(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    key = plan.outputs["kmsKeyArn"]
    for config in plan.config.serving.endpoints:
        resource = next(
            r for r in of_type(plan, CONFIG) if r["name"] == f"endpoint-{config.name}-config"
        )
        inputs = resource["inputs"]
        assert inputs["kmsKeyArn"] == key
        capture = inputs["dataCaptureConfig"]
        assert capture["enableCapture"] is True
        assert capture["initialSamplingPercentage"] == config.data_capture_percent
        assert capture["kmsKeyId"] == key
        assert {o["captureMode"] for o in capture["captureOptions"]} == {"Input", "Output"}
        assert capture["destinationS3Uri"] == (
            f"s3://mlops-prod-artifacts-123456789012/data-capture/mlops-prod-{config.name}"
        )
        (variant,) = inputs["productionVariants"]
        assert variant["instanceType"] == config.instance_type
        assert variant["initialInstanceCount"] == config.min_instances
        assert "serverlessConfig" not in variant
        # Content-addressed name: a new name whenever the settings change.
        assert inputs["name"].startswith(f"mlops-prod-{config.name}-config-")
        assert len(inputs["name"]) <= 63


def test_prod_endpoints_shift_traffic_as_configured_and_roll_back_on_their_alarms(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    alarm_names = {r["inputs"]["name"] for r in of_type(plan, ALARM)}
    expected_type = {"allAtOnce": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}
    for config in plan.config.serving.endpoints:
        endpoint = next(
            r for r in endpoints_of(plan) if r["inputs"]["name"] == f"mlops-prod-{config.name}"
        )
        policy = endpoint["inputs"]["deploymentConfig"]["blueGreenUpdatePolicy"]
        routing = policy["trafficRoutingConfiguration"]
        assert routing["type"] == expected_type[config.rollout.strategy]
        assert routing["waitIntervalInSeconds"] == config.rollout.wait_seconds
        step_key = {"canary": "canarySize", "linear": "linearStepSize"}[config.rollout.strategy]
        assert routing[step_key] == {
            "type": "CAPACITY_PERCENT",
            "value": config.rollout.step_percent,
        }
        assert 600 <= policy["maximumExecutionTimeoutInSeconds"] <= 14400
        rollback = endpoint["inputs"]["deploymentConfig"]["autoRollbackConfiguration"]["alarms"]
        names = [a["alarmName"] for a in rollback]
        assert len(names) == 3
        # The rollback alarms are exactly the alarms Monitoring creates for this endpoint.
        assert set(names) <= alarm_names
        assert set(names) == set(endpoint_alarm_names(f"mlops-prod-{config.name}").all())
        assert endpoint["inputs"]["endpointConfigName"].startswith(
            f"mlops-prod-{config.name}-config-"
        )


def test_prod_scaling_tracks_invocations_per_instance_between_min_and_max(
    shipped_plan: Any,
) -> None:
    plan = shipped_plan("prod")
    targets = {r["inputs"]["resourceId"]: r for r in of_type(plan, TARGET)}
    policies = {r["inputs"]["resourceId"]: r for r in of_type(plan, POLICY)}
    for config in plan.config.serving.endpoints:
        resource_id = f"endpoint/mlops-prod-{config.name}/variant/AllTraffic"
        target = targets[resource_id]["inputs"]
        assert target["scalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
        assert target["serviceNamespace"] == "sagemaker"
        assert (target["minCapacity"], target["maxCapacity"]) == (
            config.min_instances,
            config.max_instances,
        )
        assert target["minCapacity"] >= 2
        policy = policies[resource_id]["inputs"]
        assert policy["policyType"] == "TargetTrackingScaling"
        tracking = policy["targetTrackingScalingPolicyConfiguration"]
        assert tracking["predefinedMetricSpecification"]["predefinedMetricType"] == (
            "SageMakerVariantInvocationsPerInstance"
        )
        assert tracking["targetValue"] == config.target_invocations_per_instance


def test_dev_serves_serverless_without_autoscaling(shipped_plan: Any) -> None:
    plan = shipped_plan("dev")
    (endpoint,) = endpoints_of(plan)
    (config,) = of_type(plan, CONFIG)
    (variant,) = config["inputs"]["productionVariants"]
    assert variant["serverlessConfig"] == {"memorySizeInMb": 2048, "maxConcurrency": 5}
    assert "instanceType" not in variant
    assert "dataCaptureConfig" not in config["inputs"]
    assert of_type(plan, TARGET) == []
    assert of_type(plan, POLICY) == []
    # Serverless Inference has no VPC configuration, network isolation or guardrails.
    (model,) = of_type(plan, MODEL)
    assert "vpcConfig" not in model["inputs"]
    assert model["inputs"]["enableNetworkIsolation"] is False
    assert "deploymentConfig" not in endpoint["inputs"]


def test_staging_serves_one_small_real_time_endpoint(shipped_plan: Any) -> None:
    plan = shipped_plan("staging")
    (endpoint,) = endpoints_of(plan)
    routing = endpoint["inputs"]["deploymentConfig"]["blueGreenUpdatePolicy"][
        "trafficRoutingConfiguration"
    ]
    assert routing["type"] == "ALL_AT_ONCE"
    (target,) = of_type(plan, TARGET)
    assert (target["inputs"]["minCapacity"], target["inputs"]["maxCapacity"]) == (1, 2)


def test_log_groups_are_encrypted_with_environment_retention(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    groups = {
        r["inputs"]["name"]: r
        for r in of_type(plan, "aws:cloudwatch/logGroup:LogGroup")
        if r["inputs"]["name"].startswith("/aws/sagemaker/Endpoints/")
    }
    assert set(groups) == {f"/aws/sagemaker/Endpoints/{n}" for n in plan.outputs["endpointNames"]}
    for group in groups.values():
        assert group["inputs"]["retentionInDays"] == plan.config.monitoring.log_retention_days
        assert group["inputs"]["kmsKeyId"] == plan.outputs["kmsKeyArn"]
        assert group["protect"] is plan.config.profile.protect_stateful
        assert group["retainOnDelete"] is plan.config.profile.protect_stateful
    # The log group exists before the endpoint, so SageMaker never creates it unencrypted.
    for endpoint in endpoints_of(plan):
        log_group = next(
            g for n, g in groups.items() if n.endswith("/" + endpoint["inputs"]["name"])
        )
        assert log_group["urn"] in endpoint["dependsOn"]


def test_execution_role_is_least_privilege(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    policies = [
        r
        for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if r["name"].startswith("endpoint-")
    ]
    assert len(policies) == len(plan.config.serving.endpoints)
    for config in plan.config.serving.endpoints:
        resource = next(p for p in policies if p["name"] == f"endpoint-{config.name}-role-policy")
        statements = policy_json(resource)["Statement"]
        for statement in statements:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            assert all("*" not in a for a in actions), statement
            if statement["Resource"] == "*":
                assert (
                    set(actions)
                    <= {
                        "ecr:GetAuthorizationToken",
                        "cloudwatch:PutMetricData",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeVpcs",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeDhcpOptions",
                    }
                    or "Condition" in statement
                ), statement
        by_sid = {s["Sid"]: s for s in statements}
        bucket = "arn:aws:s3:::mlops-" + plan.stack + "-artifacts-123456789012"
        assert by_sid["ReadOwnModelArtifacts"]["Resource"] == f"{bucket}/models/{config.model}/*"
        assert by_sid["PullOwnServingImage"]["Resource"] == (
            f"arn:aws:ecr:eu-west-1:123456789012:repository/mlops-{plan.stack}/{config.image}"
        )
        assert by_sid["UsePlatformKey"]["Resource"] == plan.outputs["kmsKeyArn"]
        if config.data_capture_percent:
            assert by_sid["WriteOwnDataCapture"]["Resource"] == (
                f"{bucket}/data-capture/mlops-{plan.stack}-{config.name}/*"
            )
        else:
            assert "WriteOwnDataCapture" not in by_sid


def test_endpoint_security_groups_admit_nothing(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    groups = [
        r
        for r in of_type(plan, "aws:ec2/securityGroup:SecurityGroup")
        if r["name"].startswith("endpoint-")
    ]
    assert len(groups) == 3
    for group in groups:
        assert not group["inputs"].get("ingress")
        assert [(e["fromPort"], e["toPort"]) for e in group["inputs"]["egress"]] == [(443, 443)]


# -- the component on its own ---------------------------------------------------------------


def test_configs_are_created_before_the_old_ones_are_deleted() -> None:
    resources = build(real_time_args())
    for type_token in (CONFIG, MODEL):
        resource = one(resources, type_token)
        assert resource["deleteBeforeReplaceDefined"] is True
        assert resource["deleteBeforeReplace"] is False


def test_config_name_changes_with_its_content_and_only_then() -> None:
    def names(args: ServingEndpointArgs) -> tuple[str, str]:
        resources = build(args)
        return one(resources, CONFIG)["inputs"]["name"], one(resources, MODEL)["inputs"]["name"]

    base_config, base_model = names(real_time_args())
    assert names(real_time_args()) == (base_config, base_model)
    more, same_model = names(real_time_args(min_instances=3, max_instances=6))
    assert more != base_config
    assert same_model == base_model
    capture_config, _ = names(real_time_args(data_capture_percent=50))
    assert capture_config not in (base_config, more)
    new_image_config, new_model = names(real_time_args(image_tag="1.5.0"))
    assert new_model != base_model
    assert new_image_config != base_config  # it names the new model
    # Scaling limits live on the autoscaling target, not in the immutable config.
    wider, _ = names(real_time_args(max_instances=9))
    assert wider == base_config


def test_model_package_replaces_the_artifact() -> None:
    package = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/mlops-unit-fraud-detector/7"
    model = one(build(real_time_args(model_package_arn=package)), MODEL)
    assert model["inputs"]["primaryContainer"] == {"modelPackageName": package}


def test_image_digest_is_referenced_by_digest() -> None:
    digest = "sha256:" + "a" * 64
    assert image_uri(REPO, digest) == f"{REPO}@{digest}"
    assert image_uri(REPO, "1.4.2") == f"{REPO}:1.4.2"


def test_instances_with_local_nvme_get_no_kms_key() -> None:
    # SageMaker rejects a KMS key for instances whose local storage is hardware-encrypted.
    config = one(build(real_time_args(instance_type="ml.g5.xlarge")), CONFIG)
    assert "kmsKeyArn" not in config["inputs"]
    assert config["inputs"]["dataCaptureConfig"]["kmsKeyId"].startswith("arn:aws:kms:")
    plain = one(build(real_time_args()), CONFIG)
    assert plain["inputs"]["kmsKeyArn"].startswith("arn:aws:kms:")


def test_serverless_endpoint_has_no_vpc_capture_or_scaling() -> None:
    args = real_time_args(
        instance_type=None, serverless=ServerlessArgs(memory_mb=4096, max_concurrency=20)
    )
    resources = build(args)
    assert [r for r in resources if r["type"] in (TARGET, POLICY)] == []
    assert [r for r in resources if r["type"] == "aws:ec2/securityGroup:SecurityGroup"] == []
    config = one(resources, CONFIG)
    assert "dataCaptureConfig" not in config["inputs"]
    statements = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"])
    sids = {s["Sid"] for s in statements["Statement"]}
    assert "WriteOwnDataCapture" not in sids
    assert "ManageInterfacesInOwnVpc" not in sids


def test_args_need_exactly_one_capacity_mode() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        real_time_args(serverless=ServerlessArgs(memory_mb=2048, max_concurrency=5))
    with pytest.raises(ValueError, match="exactly one"):
        real_time_args(instance_type=None)


@pytest.mark.parametrize(
    ("rollout", "expected"),
    [
        (RolloutArgs("allAtOnce", wait_seconds=0, termination_wait_seconds=0), 3600),
        (RolloutArgs("canary", 10, 600, 600), 600 * 2 + 600 + 3600),
        (RolloutArgs("linear", 10, 3600, 3600), 14400),
    ],
)
def test_deployment_timeout_stays_within_sagemaker_bounds(
    rollout: RolloutArgs, expected: int
) -> None:
    assert rollout.timeout_seconds() == expected
