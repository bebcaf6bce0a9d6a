"""ServingEndpoint: one SageMaker endpoint with safe rollouts, autoscaling and data capture."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
from pulumi_aws.sagemaker import (
    EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationArgsDict as _Routing,
)

# The provider's type name alone is longer than a line.
from pulumi_aws.sagemaker import (
    EndpointDeploymentConfigBlueGreenUpdatePolicyTrafficRoutingConfigurationCanarySizeArgsDict as _Step,  # noqa: E501
)

from .aws_context import AwsIdentity, aws_identity
from .catalog import supports_volume_kms
from .context import Deployment
from .iam import ServiceRole, Statement, service_role, vpc_interface_statements
from .logs import encrypted_log_group
from .output_values import concat

# SageMaker bounds the whole blue/green deployment (provisioning, baking, termination).
_MIN_DEPLOYMENT_TIMEOUT = 600
_MAX_DEPLOYMENT_TIMEOUT = 14400
# Headroom for provisioning the green fleet and its health checks.
_PROVISIONING_SECONDS = 3600

_TRAFFIC_TYPES = {"allAtOnce": "ALL_AT_ONCE", "canary": "CANARY", "linear": "LINEAR"}

# The provider appends a 26-character unique suffix to a name prefix; SageMaker allows 63.
_MAX_NAME_PREFIX = 63 - 26
_IMAGE_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


@dataclass
class ServerlessArgs:
    """Serverless inference capacity.

    Args:
        memory_mb: Memory of the serverless variant (`memory_size_in_mb`).
        max_concurrency: Maximum concurrent invocations.
    """

    memory_mb: int
    max_concurrency: int


@dataclass
class RolloutArgs:
    """Blue/green traffic shifting of an endpoint update.

    Args:
        strategy: allAtOnce, canary (one step, then the rest) or linear (equal steps).
        step_percent: Canary size or linear step size, % of the fleet's capacity.
        wait_seconds: Baking time after each shift, watched by the rollback alarms.
        termination_wait_seconds: Time the old (blue) fleet is kept after the full shift,
            so a late alarm can still roll back instantly.
    """

    strategy: Literal["allAtOnce", "canary", "linear"] = "allAtOnce"
    step_percent: int = 10
    wait_seconds: int = 300
    termination_wait_seconds: int = 600

    def baking_seconds(self) -> int:
        """Total time spent waiting between shifts."""
        if self.strategy == "canary":
            return self.wait_seconds * 2
        if self.strategy == "linear":
            return self.wait_seconds * math.ceil(100 / self.step_percent)
        return self.wait_seconds

    def timeout_seconds(self) -> int:
        """Maximum execution time of the deployment, within SageMaker's bounds."""
        wanted = self.baking_seconds() + self.termination_wait_seconds + _PROVISIONING_SECONDS
        return max(_MIN_DEPLOYMENT_TIMEOUT, min(_MAX_DEPLOYMENT_TIMEOUT, wanted))


@dataclass
class ServingEndpointArgs:
    """Inputs of a ServingEndpoint.

    Args:
        endpoint_name: Physical endpoint name. Deterministic (not auto-named) so alarms can
            be named after it before the endpoint exists.
        model_family: Model family; the role reads artifacts under `models/<family>/` only.
        repository_url: ECR repository URL of the serving image.
        repository_arn: ARN of that repository (the only one the endpoint may pull from).
        artifact_bucket_name: Bucket holding model artifacts and data capture.
        artifact_bucket_arn: ARN of that bucket.
        kms_key_arn: Key encrypting the endpoint's volumes, captured data and logs.
        vpc_id: VPC of the endpoint's network interfaces (real-time only).
        subnet_ids: Private subnets of the endpoint (real-time only).
        rollback_alarm_names: CloudWatch alarms that roll a deployment back when they fire.
        log_retention_days: Retention of the endpoint's log group.
        model_package_arn: The model version to serve: a model package version ARN (the
            package names its image and artifact). Or, instead:
        model_data_url: An artifact URI that is never overwritten (a new version is a new
            URI), served with
        image_digest: the `sha256:` digest of the serving image in `repository_url`.
        instance_type: Real-time instance type; None for serverless.
        min_instances: Autoscaling floor (and initial instance count).
        max_instances: Autoscaling ceiling.
        target_invocations_per_instance: Target of the target-tracking scaling policy.
        serverless: Serverless capacity; None for real-time.
        data_capture_percent: Share of requests captured with their responses; 0 for none.
        rollout: Traffic shifting of updates.
        variant_name: Production variant name; must stay the same across updates.
    """

    endpoint_name: str
    model_family: str
    repository_url: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    rollback_alarm_names: Sequence[str]
    log_retention_days: int
    model_package_arn: pulumi.Input[str] | None = None
    model_data_url: str | None = None
    image_digest: str | None = None
    instance_type: str | None = None
    min_instances: int = 1
    max_instances: int = 1
    target_invocations_per_instance: int = 100
    serverless: ServerlessArgs | None = None
    data_capture_percent: int = 0
    rollout: RolloutArgs = field(default_factory=RolloutArgs)
    variant_name: str = "AllTraffic"

    def __post_init__(self) -> None:
        if (self.instance_type is None) == (self.serverless is None):
            raise ValueError("set exactly one of instance_type and serverless")
        # Only an immutable version: a mutable tag or path would change under the endpoint
        # without Pulumi seeing a change (and without a blue/green rollout).
        package = self.model_package_arn is not None
        artifact = (self.model_data_url is not None, self.image_digest is not None)
        if artifact not in ((False, False), (True, True)) or package == all(artifact):
            raise ValueError(
                "set exactly one model version: model_package_arn, or model_data_url "
                "with image_digest"
            )
        if self.image_digest is not None and not _IMAGE_DIGEST.match(self.image_digest):
            raise ValueError(f"image_digest must be sha256:<64 hex>, got '{self.image_digest}'")

    @property
    def is_serverless(self) -> bool:
        return self.serverless is not None


def image_uri(repository_url: str, digest: str) -> str:
    """`<repository>@sha256:...`: the one image a digest names (tags are never used)."""
    if not _IMAGE_DIGEST.match(digest):
        raise ValueError(f"an image is referenced by its sha256 digest, got '{digest}'")
    return f"{repository_url}@{digest}"


def _rollback_alarms_statement(ident: AwsIdentity, alarm_names: Sequence[str]) -> Statement:
    """SageMaker reads the rollback alarms' state, as the endpoint's role, during an update."""
    return {
        "Sid": "DescribeRollbackAlarms",
        "Effect": "Allow",
        "Action": "cloudwatch:DescribeAlarms",
        "Resource": [
            concat(
                "arn:",
                ident.partition,
                ":cloudwatch:",
                ident.region,
                ":",
                ident.account_id,
                f":alarm:{alarm}",
            )
            for alarm in alarm_names
        ],
    }


class ServingEndpoint(pulumi.ComponentResource):
    """A SageMaker endpoint that updates without downtime and rolls back on its alarms.

    Creates a least-privilege execution role (read its model artifacts, pull its image,
    write its captured data and logs, use the KMS key), the endpoint's KMS-encrypted log
    group (before the endpoint, so SageMaker never creates an unencrypted one), a
    `sagemaker.Model` (network isolation, private subnets), an endpoint configuration
    (KMS, data capture of requests and responses), the endpoint with a blue/green
    deployment policy and auto-rollback alarms, and for real-time endpoints an autoscaling
    target with a target-tracking policy on invocations per instance.

    The model is always an immutable version: a model package version ARN, or an artifact
    URI that is never overwritten plus an image digest. Retraining therefore produces a new
    ARN/URI, Pulumi sees the change, and the blue/green rollout runs.

    Rollback scheme. Model and endpoint configuration are immutable in SageMaker, so any
    change replaces them, and both get a new provider-assigned unique name on every
    replacement (the configuration `<endpoint>-<unique suffix>` from a name prefix, the
    model an auto-name). Both are `retain_on_delete`: Pulumi drops a replaced one from its
    state but never deletes it in AWS. Why: when a rollback alarm fires during the
    blue/green update, SageMaker puts the endpoint back on the previous configuration and
    model; had Pulumi deleted them after the update (or at the next `pulumi up`, which
    deletes what a failed update left pending), the endpoint would run on a configuration
    and model that no longer exist and could neither scale out nor replace an instance.
    Unique names matter for the same reason: re-pinning a previous version creates a new
    model and configuration instead of colliding with the retained ones. Retained models
    and configurations are metadata only (no charge); prune ones no endpoint uses after a
    successful update. After a rollback, `pulumi refresh` shows the configuration the
    endpoint actually serves; fix or re-pin the version and run `pulumi up` again.

    Autoscaling and instance-type changes. SageMaker refuses an UpdateEndpoint that changes
    the instance type of a variant registered with Application Auto Scaling. The variant
    name stays fixed (the scalable target names it), the target's `resource_id` depends on
    the endpoint configuration, and the configuration is replaced delete-before-replace
    (a no-op in AWS, since it is retained): Pulumi then removes the scaling policy and
    deregisters the target before the endpoint update, and registers them again after it.
    Scaling is suspended by SageMaker during an update anyway, so nothing is lost.

    Serverless endpoints support neither VPC configuration, network isolation, data capture
    nor deployment guardrails, so those are left out for them (the schema rejects data
    capture and canary/linear rollouts on serverless endpoints).

    Outputs:
        endpoint_name: Endpoint name (an Output of the endpoint: depend on it to come after
            the endpoint).
        endpoint_arn: Endpoint ARN.
        variant_name: Production variant name (a plain string).
        model_name: Content-hashed model name.
        endpoint_config_name: Content-hashed endpoint configuration name.
        role_arn: Execution role ARN.
        data_capture_uri: `s3://<bucket>/data-capture/<endpoint>`; `None` without capture
            (or serverless).
    """

    endpoint_name: pulumi.Output[str]
    endpoint_arn: pulumi.Output[str]
    variant_name: str
    model_name: pulumi.Output[str]
    endpoint_config_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    data_capture_uri: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: ServingEndpointArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:serving:ServingEndpoint", name, None, opts)
        self._name = name
        self._args = args
        self._deployment = deployment
        self.variant_name = args.variant_name
        ident = aws_identity()
        bucket = pulumi.Output.from_input(args.artifact_bucket_name)
        capture = args.data_capture_percent > 0 and not args.is_serverless
        self.data_capture_uri = (
            concat("s3://", bucket, "/data-capture/", args.endpoint_name) if capture else None
        )

        log_group = encrypted_log_group(
            f"{name}-logs",
            deployment,
            log_group_name=f"/aws/sagemaker/Endpoints/{args.endpoint_name}",
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        role = service_role(
            f"{name}-role",
            deployment,
            role_name=f"{args.endpoint_name}-serving",
            services=["sagemaker.amazonaws.com"],
            parent=self,
            statements=self._role_statements(ident, log_group.arn, capture),
            description=f"Runs the {args.endpoint_name} endpoint's model containers.",
        )
        self.role_arn = role.arn

        model = self._model(role, ident)
        self.model_name = model.name
        config = self._endpoint_config(model, self.data_capture_uri)
        self.endpoint_config_name = config.name
        endpoint = self._endpoint(config, log_group, role)
        self.endpoint_name = endpoint.name
        self.endpoint_arn = endpoint.arn
        if not args.is_serverless:
            self._autoscaling(endpoint, config)

        self.register_outputs(
            {
                "endpoint_name": self.endpoint_name,
                "endpoint_arn": self.endpoint_arn,
                "model_name": self.model_name,
                "endpoint_config_name": self.endpoint_config_name,
                "role_arn": self.role_arn,
            }
        )

    # -- IAM ------------------------------------------------------------------------------

    def _role_statements(
        self, ident: AwsIdentity, log_group_arn: pulumi.Output[str], capture: bool
    ) -> list[Statement]:
        """The execution role's statements, each concern scoped to this endpoint."""
        args = self._args
        bucket_arn = pulumi.Output.from_input(args.artifact_bucket_arn)
        statements = [
            *self._artifact_statements(bucket_arn),
            *self._image_statements(),
            *self._key_and_log_statements(log_group_arn),
            *self._metric_statements(ident),
        ]
        if capture:
            statements.append(
                {
                    "Sid": "WriteOwnDataCapture",
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": concat(bucket_arn, "/data-capture/", args.endpoint_name, "/*"),
                }
            )
        if not args.is_serverless:
            statements += vpc_interface_statements(
                ident.account_id, ident.region, ident.partition, args.vpc_id
            )
        return statements

    def _artifact_statements(self, bucket_arn: pulumi.Output[str]) -> list[Statement]:
        """Read and list the artifacts of this endpoint's model family only."""
        model_prefix = f"models/{self._args.model_family}/"
        return [
            {
                "Sid": "ReadOwnModelArtifacts",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": concat(bucket_arn, "/", model_prefix, "*"),
            },
            {
                "Sid": "ListOwnModelArtifacts",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{model_prefix}*"]}},
            },
        ]

    def _image_statements(self) -> list[Statement]:
        """Pull the serving image from its repository."""
        return [
            {
                "Sid": "PullOwnServingImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                "Resource": self._args.repository_arn,
            },
            {
                # Registry-wide by design: the token call has no resource to scope to.
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
        ]

    def _key_and_log_statements(self, log_group_arn: pulumi.Output[str]) -> list[Statement]:
        """Use the platform key and write to the endpoint's own log group."""
        return [
            {
                "Sid": "UsePlatformKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": self._args.kms_key_arn,
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, concat(log_group_arn, ":*")],
            },
        ]

    def _metric_statements(self, ident: AwsIdentity) -> list[Statement]:
        """Read the rollback alarms and publish SageMaker endpoint metrics."""
        return [
            _rollback_alarms_statement(ident, self._args.rollback_alarm_names),
            {
                "Sid": "PublishEndpointMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {
                    "StringLike": {
                        "cloudwatch:namespace": ["AWS/SageMaker", "/aws/sagemaker/Endpoints"]
                    }
                },
            },
        ]

    # -- SageMaker ------------------------------------------------------------------------

    def _model(self, role: ServiceRole, ident: AwsIdentity) -> aws.sagemaker.Model:
        args = self._args
        name, deployment = self._name, self._deployment
        container: aws.sagemaker.ModelPrimaryContainerArgsDict
        if args.model_package_arn is not None:
            container = {"model_package_name": args.model_package_arn}
        else:
            digest = str(args.image_digest)
            container = {
                "image": pulumi.Output.from_input(args.repository_url).apply(
                    lambda url: image_uri(url, digest)
                ),
                "model_data_url": args.model_data_url,
            }
        vpc_config: aws.sagemaker.ModelVpcConfigArgsDict | None = None
        if not args.is_serverless:
            group = aws.ec2.SecurityGroup(
                f"{name}-sg",
                name=f"{args.endpoint_name}-serving",
                description=f"Network interfaces of the {args.endpoint_name} endpoint",
                vpc_id=args.vpc_id,
                # No ingress: invocations arrive through the SageMaker runtime API, not the
                # ENIs. Egress is HTTPS only, for S3 (gateway endpoint) and ECR.
                egress=[
                    {
                        "protocol": "tcp",
                        "from_port": 443,
                        "to_port": 443,
                        "cidr_blocks": ["0.0.0.0/0"],
                        "description": "HTTPS to S3 and ECR",
                    }
                ],
                tags=deployment.tagged(f"{args.endpoint_name}-serving"),
                opts=pulumi.ResourceOptions(parent=self),
            )
            vpc_config = {"subnets": args.subnet_ids, "security_group_ids": [group.id]}

        return aws.sagemaker.Model(
            f"{name}-model",
            # No fixed name: every replacement gets a new unique one (see the class doc).
            execution_role_arn=role.arn,
            primary_container=container,
            vpc_config=vpc_config,
            enable_network_isolation=not args.is_serverless,
            tags=deployment.tagged(model=args.model_family),
            # CreateModel checks that the role may pull the image and read the artifacts.
            # Create the new model first; keep the old one in AWS for a rollback.
            opts=pulumi.ResourceOptions(
                parent=self,
                delete_before_replace=False,
                retain_on_delete=True,
                depends_on=role.ready,
            ),
        )

    def _endpoint_config(
        self, model: aws.sagemaker.Model, capture_uri: pulumi.Output[str] | None
    ) -> aws.sagemaker.EndpointConfiguration:
        args = self._args
        variant: aws.sagemaker.EndpointConfigurationProductionVariantArgsDict = {
            "variant_name": args.variant_name,
            "model_name": model.name,
        }
        if args.serverless is not None:
            variant["serverless_config"] = {
                "memory_size_in_mb": args.serverless.memory_mb,
                "max_concurrency": args.serverless.max_concurrency,
            }
        else:
            variant["instance_type"] = args.instance_type
            # The provider cannot pass RetainAllVariantProperties, so an update starts the
            # new fleet at this count and the autoscaler scales it out again from there.
            variant["initial_instance_count"] = args.min_instances
            variant["initial_variant_weight"] = 1.0
        data_capture: aws.sagemaker.EndpointConfigurationDataCaptureConfigArgsDict | None = None
        if capture_uri is not None:
            data_capture = {
                "enable_capture": True,
                "initial_sampling_percentage": args.data_capture_percent,
                "destination_s3_uri": capture_uri,
                "kms_key_id": args.kms_key_arn,
                "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
                "capture_content_type_header": {
                    "json_content_types": ["application/json"],
                    "csv_content_types": ["text/csv"],
                },
            }
        # Instances with local NVMe storage encrypt it in hardware; SageMaker rejects an
        # endpoint configuration that also names a volume key for them.
        local_storage = args.instance_type and not supports_volume_kms(args.instance_type)
        kms_key_arn = None if local_storage else args.kms_key_arn
        return aws.sagemaker.EndpointConfiguration(
            f"{self._name}-config",
            name_prefix=f"{args.endpoint_name[: _MAX_NAME_PREFIX - 1]}-",
            production_variants=[variant],
            kms_key_arn=kms_key_arn,
            data_capture_config=data_capture,
            tags=self._deployment.tagged(),
            # Retained: the "delete" of a replaced configuration never reaches AWS, so the
            # endpoint (or a rollback) always has one. Delete-before-replace makes Pulumi
            # deregister the autoscaling target before the endpoint update (class doc).
            opts=pulumi.ResourceOptions(
                parent=self, delete_before_replace=True, retain_on_delete=True
            ),
        )

    def _endpoint(
        self,
        config: aws.sagemaker.EndpointConfiguration,
        log_group: aws.cloudwatch.LogGroup,
        role: ServiceRole,
    ) -> aws.sagemaker.Endpoint:
        args = self._args
        deployment_config: aws.sagemaker.EndpointDeploymentConfigArgsDict | None = None
        if not args.is_serverless:
            rollout = args.rollout
            routing: _Routing = {
                "type": _TRAFFIC_TYPES[rollout.strategy],
                "wait_interval_in_seconds": rollout.wait_seconds,
            }
            step: _Step = {"type": "CAPACITY_PERCENT", "value": rollout.step_percent}
            if rollout.strategy == "canary":
                routing["canary_size"] = step
            elif rollout.strategy == "linear":
                routing["linear_step_size"] = step
            deployment_config = {
                "blue_green_update_policy": {
                    "traffic_routing_configuration": routing,
                    "termination_wait_in_seconds": rollout.termination_wait_seconds,
                    "maximum_execution_timeout_in_seconds": rollout.timeout_seconds(),
                },
                "auto_rollback_configuration": {
                    "alarms": [{"alarm_name": alarm} for alarm in args.rollback_alarm_names]
                },
            }
        return aws.sagemaker.Endpoint(
            f"{self._name}-endpoint",
            name=args.endpoint_name,
            endpoint_config_name=config.name,
            deployment_config=deployment_config,
            tags=self._deployment.tagged(args.endpoint_name),
            # The role's policy must be in place before the containers start.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, *role.ready]),
        )

    def _autoscaling(
        self,
        endpoint: aws.sagemaker.Endpoint,
        config: aws.sagemaker.EndpointConfiguration,
    ) -> None:
        args = self._args
        target = aws.appautoscaling.Target(
            f"{self._name}-scaling",
            service_namespace="sagemaker",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount",
            # Same variant across updates; the dependency on the configuration is what
            # deregisters the target around a configuration change (class doc).
            resource_id=pulumi.Output.all(endpoint.name, config.name).apply(
                lambda names: f"endpoint/{names[0]}/variant/{args.variant_name}"
            ),
            min_capacity=args.min_instances,
            max_capacity=args.max_instances,
            tags=self._deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.appautoscaling.Policy(
            f"{self._name}-scaling-policy",
            name=f"{args.endpoint_name}-invocations",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration={
                "predefined_metric_specification": {
                    "predefined_metric_type": "SageMakerVariantInvocationsPerInstance"
                },
                "target_value": float(args.target_invocations_per_instance),
                # Scale out fast, scale in slowly: a cold instance costs minutes of latency.
                "scale_out_cooldown": 60,
                "scale_in_cooldown": 300,
            },
            opts=pulumi.ResourceOptions(parent=target),
        )
