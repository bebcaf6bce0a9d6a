"""ServingEndpoint: per endpoint a model, an immutable config, a blue/green endpoint, scaling."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import Deployment, ServingEndpoint, ServingEndpointArgs
from components.monitoring import endpoint_alarm_names
from components.serving_endpoint import RolloutArgs, ServerlessArgs, image_uri
from infra.cli import main
from infra.config.loader import read_stack_file, stack_file_path
from infra.mocks import PlatformMocks
from infra.plan import Plan, RecordingMonitor, build_plan, record_resources
from tests.helpers import of_type, policy_json

ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
MODEL = "aws:sagemaker/model:Model"
TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


# -- running one component under mocks -------------------------------------------------------


class _OptionRecorder(RecordingMonitor):
    """Also keeps the delete-before-replace option and the per-property dependencies, which
    the plan document leaves out (the engine decides replacements from them)."""

    def RegisterResource(self, request: Any) -> Any:
        count = len(self.registrations)
        response = super().RegisterResource(request)
        if len(self.registrations) > count:
            self.registrations[-1]["deleteBeforeReplace"] = bool(request.deleteBeforeReplace)
            self.registrations[-1]["deleteBeforeReplaceDefined"] = bool(
                request.deleteBeforeReplaceDefined
            )
            self.registrations[-1]["propertyDependencies"] = {
                key: set(deps.urns) for key, deps in request.propertyDependencies.items()
            }
        return response


def run_component(build: Callable[[], None]) -> list[dict[str, Any]]:
    """Registrations made by `build()` run under the platform mocks, in isolation."""
    return record_resources(
        build, stack="unit", monitor=_OptionRecorder(PlatformMocks(region="eu-west-1"))
    )[0]


DEPLOYMENT = Deployment(stack="unit", environment="prod", region="eu-west-1", tags={"a": "b"})
REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-unit-serving"
DIGEST = "sha256:" + "ab" * 32
ARTIFACT = "s3://mlops-unit-artifacts/models/fraud-detector/2026-11-30-0412/model.tar.gz"
PACKAGE = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/mlops-unit-fraud-detector/7"


def real_time_args(**overrides: Any) -> ServingEndpointArgs:
    values: dict[str, Any] = {
        "endpoint_name": "mlops-unit-fraud",
        "model_family": "fraud-detector",
        "repository_url": REPO,
        "repository_arn": "arn:aws:ecr:eu-west-1:123456789012:repository/mlops-unit-serving",
        "model_data_url": ARTIFACT,
        "image_digest": DIGEST,
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


def test_every_deployed_endpoint_has_its_own_component(any_shipped_plan: Plan) -> None:
    configured = [e.name for e in any_shipped_plan.config.serving.deployed()]
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
    assert plan.document()["pending"] == []
    endpoints = endpoints_of(plan)
    assert len(endpoints) == 3
    alarm_names = {r["inputs"]["name"] for r in of_type(plan, ALARM)}
    for endpoint in endpoints:
        for type_token in (MODEL, CONFIG, TARGET, POLICY):
            assert len(child_of_type(plan, endpoint, type_token)) == 1, (
                endpoint["name"],
                type_token,
            )
        assert set(endpoint_alarm_names(endpoint["inputs"]["name"]).all()) <= alarm_names


def test_dev_declares_its_endpoint_without_deploying_it(
    shipped_plan: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = shipped_plan("dev")
    serving_types = {ENDPOINT, CONFIG, MODEL, TARGET, POLICY, "mlops:serving:ServingEndpoint"}
    assert [r for r in plan.resources if r["type"] in serving_types] == []
    # Nothing watches it yet: no endpoint alarms, no data-quality monitors.
    assert [
        a for a in of_type(plan, ALARM) if a["inputs"].get("namespace") == "AWS/SageMaker"
    ] == []
    assert not [
        r for r in plan.resources if "monitoring" in r["type"].lower() and "sagemaker" in r["type"]
    ]
    assert plan.outputs["endpointNames"] == []
    assert plan.outputs["pendingEndpoints"] == ["fraud"]
    assert plan.document()["pending"] == [
        {
            "endpoint": "fraud",
            "key": "serving.endpoints[0].modelPackageVersion",
            "message": "endpoint fraud: declared, not deployed — pin "
            'serving.endpoints[0].modelPackageVersion (see README "First model")',
        }
    ]
    assert main(["plan", "dev", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert (
        "endpoint fraud: declared, not deployed — pin serving.endpoints[0].modelPackageVersion "
        '(see README "First model")'
    ) in out.splitlines()


def _dev_pinned(tmp_path: Path, **pin: Any) -> Plan:
    """The shipped dev stack with its endpoint pinned to a version."""
    _, entries = read_stack_file(stack_file_path("dev"))
    entries["mlops-platform:serving"]["endpoints"][0].update(pin)
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": entries}), encoding="utf-8")
    return build_plan("dev", path)


def test_dev_with_a_pinned_version_creates_its_endpoint(tmp_path: Path) -> None:
    plan = _dev_pinned(tmp_path, modelPackageVersion=1)
    assert plan.document()["pending"] == []
    (endpoint,) = endpoints_of(plan)
    assert endpoint["inputs"]["name"] == "mlops-dev-fraud"
    (model,) = of_type(plan, MODEL)
    assert model["inputs"]["primaryContainer"] == {
        "modelPackageName": "arn:aws:sagemaker:eu-west-1:123456789012:"
        "model-package/mlops-dev-fraud-detector/1"
    }
    assert len(of_type(plan, CONFIG)) == 1
    assert len(of_type(plan, ALARM)) >= 3
    assert plan.outputs["pendingEndpoints"] == []


def test_an_artifact_and_image_digest_pin_serves_exactly_those(tmp_path: Path) -> None:
    url = "s3://mlops-dev-artifacts-123456789012/models/fraud-detector/2026-11-30/model.tar.gz"
    plan = _dev_pinned(tmp_path, modelDataUrl=url, imageDigest=DIGEST)
    (model,) = of_type(plan, MODEL)
    assert model["inputs"]["primaryContainer"] == {
        "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/mlops-dev/fraud-serving@{DIGEST}",
        "modelDataUrl": url,
    }


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
        # The pinned, immutable package version: never a tag or a fixed artifact path.
        assert inputs["primaryContainer"] == {
            "modelPackageName": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/"
            f"mlops-prod-{config.model}/{config.model_package_version}"
        }


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
        # A new unique name on every replacement (the provider appends 26 characters).
        assert "name" not in inputs
        assert inputs["namePrefix"] == f"mlops-prod-{config.name}-"
        assert len(inputs["namePrefix"]) + 26 <= 63


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
        config_resource = next(
            r for r in of_type(plan, CONFIG) if r["name"] == f"endpoint-{config.name}-config"
        )
        assert config_resource["urn"] in endpoint["dependsOn"]


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


def test_dev_serves_serverless_without_autoscaling(tmp_path: Path) -> None:
    plan = _dev_pinned(tmp_path, modelPackageVersion=3)
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


def test_staging_serves_small_real_time_endpoints(shipped_plan: Any) -> None:
    plan = shipped_plan("staging")
    endpoints = endpoints_of(plan)
    assert len(endpoints) == 2  # fraud and churn, each watched for drift
    for endpoint in endpoints:
        routing = endpoint["inputs"]["deploymentConfig"]["blueGreenUpdatePolicy"][
            "trafficRoutingConfiguration"
        ]
        assert routing["type"] == "ALL_AT_ONCE"
    for target in of_type(plan, TARGET):
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
    assert len(policies) == len(plan.config.serving.deployed())
    for config in plan.config.serving.deployed():
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
        # SageMaker reads exactly this endpoint's rollback alarms during an update.
        physical = f"mlops-{plan.stack}-{config.name}"
        assert by_sid["DescribeRollbackAlarms"]["Action"] == "cloudwatch:DescribeAlarms"
        assert by_sid["DescribeRollbackAlarms"]["Resource"] == [
            f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{name}"
            for name in endpoint_alarm_names(physical).all()
        ]
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


def test_model_and_config_survive_replacement_for_a_rollback() -> None:
    resources = build(real_time_args())
    model, config = one(resources, MODEL), one(resources, CONFIG)
    # Never deleted by Pulumi: an auto-rollback returns the endpoint to the previous ones.
    assert model["retainOnDelete"] is True
    assert config["retainOnDelete"] is True
    # The new model exists before the configuration that names it.
    assert model["deleteBeforeReplaceDefined"] is True
    assert model["deleteBeforeReplace"] is False
    # No fixed names: re-pinning an earlier version must not collide with a retained one.
    assert "name" not in model["inputs"]
    assert "name" not in config["inputs"]
    assert config["inputs"]["namePrefix"] == "mlops-unit-fraud-"


def test_long_endpoint_names_leave_room_for_the_unique_suffix() -> None:
    name = "mlops-a-very-long-stack-name-and-endpoint-name-xyz"
    config = one(build(real_time_args(endpoint_name=name)), CONFIG)
    assert len(config["inputs"]["namePrefix"]) + 26 <= 63
    assert config["inputs"]["namePrefix"].endswith("-")


def test_scaling_target_is_deregistered_around_a_configuration_change() -> None:
    # SageMaker refuses to change the instance type of a variant registered for scaling.
    # The target's resourceId depends on the (delete-before-replace) configuration, so the
    # engine removes policy and target before the endpoint update and registers them after.
    resources = build(real_time_args())
    config, endpoint, target = (
        one(resources, CONFIG),
        one(resources, ENDPOINT),
        one(resources, TARGET),
    )
    assert config["deleteBeforeReplaceDefined"] is True
    assert config["deleteBeforeReplace"] is True
    assert target["propertyDependencies"]["resourceId"] >= {config["urn"], endpoint["urn"]}
    policy = one(resources, POLICY)
    assert target["urn"] in policy["propertyDependencies"]["resourceId"]
    # The variant keeps its name across instance types: the target names it.
    bigger = build(real_time_args(instance_type="ml.c6i.4xlarge"))
    assert one(bigger, TARGET)["inputs"]["resourceId"] == target["inputs"]["resourceId"]
    assert target["inputs"]["resourceId"] == "endpoint/mlops-unit-fraud/variant/AllTraffic"
    (variant,) = one(bigger, CONFIG)["inputs"]["productionVariants"]
    assert (variant["variantName"], variant["instanceType"]) == ("AllTraffic", "ml.c6i.4xlarge")


def test_a_new_version_changes_the_model() -> None:
    def container(args: ServingEndpointArgs) -> dict[str, Any]:
        return one(build(args), MODEL)["inputs"]["primaryContainer"]

    first = container(real_time_args())
    retrained = ARTIFACT.replace("2026-11-30-0412", "2026-12-03-0930")
    assert container(real_time_args(model_data_url=retrained)) != first
    assert container(real_time_args(image_digest="sha256:" + "cd" * 32)) != first
    assert container(real_time_args()) == first


def test_model_package_replaces_the_artifact() -> None:
    args = real_time_args(model_package_arn=PACKAGE, model_data_url=None, image_digest=None)
    model = one(build(args), MODEL)
    assert model["inputs"]["primaryContainer"] == {"modelPackageName": PACKAGE}


def test_image_is_referenced_by_digest_only() -> None:
    assert image_uri(REPO, DIGEST) == f"{REPO}@{DIGEST}"
    with pytest.raises(ValueError, match="sha256 digest"):
        image_uri(REPO, "1.4.2")
    with pytest.raises(ValueError, match="sha256 digest"):
        image_uri(REPO, "latest")


@pytest.mark.parametrize(
    "version",
    [
        {"model_data_url": None, "image_digest": None},
        {"image_digest": None},
        {"model_data_url": None},
        {"model_package_arn": PACKAGE},
        {"image_digest": "latest"},
    ],
    ids=["none", "artifact-without-image", "image-without-artifact", "both", "tag"],
)
def test_args_need_exactly_one_immutable_version(version: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"model version|sha256"):
        real_time_args(**version)


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
