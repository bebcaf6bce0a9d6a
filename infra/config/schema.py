"""The root of the stack-config schema and the rules that span sections."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .base import ConfigModel, rule_error
from .ci_access import CiAccessConfig
from .feature_store import FeatureStoreConfig
from .monitoring import DEFAULT_LOG_RETENTION_DAYS, MonitoringConfig
from .network import NetworkConfig
from .policy import PolicyConfig
from .registry import RegistryConfig
from .serving import ServingConfig
from .training import TrainingConfig, check_training_for_environment

SCHEMA_VERSION = 1

# Regions where every service the platform uses (EKS, SageMaker endpoints, Feature Store,
# managed MLflow) is offered, and that the shipped price table covers.
SUPPORTED_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
)

TagText = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class Tags(ConfigModel):
    """Tags on every taggable resource. owner and costCenter are required for cost reports."""

    owner: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="Team or person accountable for the stack."
    )
    cost_center: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="Cost center the bill goes to."
    )
    extra: dict[Annotated[str, StringConstraints(min_length=1, max_length=128)], TagText] = Field(
        default_factory=dict, description="Further tags (keys must not start with 'aws:')."
    )

    @field_validator("extra")
    @classmethod
    def _no_reserved_keys(cls, extra: dict[str, str]) -> dict[str, str]:
        for key in extra:
            if key.lower().startswith("aws:"):
                raise rule_error(key, "tag keys starting with 'aws:' are reserved by AWS")
        return extra


class PlatformConfig(ConfigModel):
    """Everything a stack file says about one deployment of the platform."""

    schema_version: int = Field(
        default=SCHEMA_VERSION, description="Version of this schema the stack file was written for."
    )
    environment: Literal["dev", "staging", "prod"] = Field(
        description="Environment kind: sets defaults and hard rules."
    )
    region: str = Field(description="AWS region (from aws:region).")
    tags: Tags = Field(description="Ownership tags.")
    network: NetworkConfig = Field(default_factory=NetworkConfig, description="Networking.")
    feature_store: FeatureStoreConfig = Field(
        default_factory=FeatureStoreConfig, description="Feature store."
    )
    training: TrainingConfig = Field(
        default_factory=TrainingConfig, description="Training cluster."
    )
    registry: RegistryConfig = Field(default_factory=RegistryConfig, description="Registry.")
    serving: ServingConfig = Field(default_factory=ServingConfig, description="Serving.")
    monitoring: MonitoringConfig = Field(
        default_factory=MonitoringConfig, description="Monitoring."
    )
    ci_access: CiAccessConfig | None = Field(
        default=None, description="GitHub Actions OIDC access (omit to create none)."
    )
    policy: PolicyConfig = Field(
        default_factory=PolicyConfig,
        description="Policy findings the stack accepts (suppressions with written reasons).",
    )

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        from .versions import check_schema_version

        return check_schema_version(version, SCHEMA_VERSION)

    @field_validator("region")
    @classmethod
    def _supported_region(cls, region: str) -> str:
        if region not in SUPPORTED_REGIONS:
            raise ValueError(
                f"unsupported region '{region}' (supported: {', '.join(SUPPORTED_REGIONS)})"
            )
        return region

    @model_validator(mode="after")
    def _environment_defaults_and_rules(self) -> PlatformConfig:
        prod = self.environment == "prod"
        net = self.network
        if net.nat_gateways is None:
            net.nat_gateways = "perAz" if prod else "single"
        if self.monitoring.log_retention_days is None:
            self.monitoring.log_retention_days = DEFAULT_LOG_RETENTION_DAYS[self.environment]
        if net.flow_log_retention_days is None:
            net.flow_log_retention_days = self.monitoring.log_retention_days
        if self.training.endpoint_public_access is None:
            self.training.endpoint_public_access = self.environment == "dev"
        check_training_for_environment(self.training, self.environment)

        if prod:
            if net.existing_vpc is None and net.az_count < 3:
                raise rule_error(
                    "network.azCount", f"prod needs at least 3 AZs (got {net.az_count})"
                )
            if net.existing_vpc is not None and len(net.existing_vpc.private_subnet_ids) < 3:
                raise rule_error(
                    "network.existingVpc.privateSubnetIds",
                    "prod needs private subnets in at least 3 AZs",
                )
            if net.nat_gateways != "perAz":
                raise rule_error(
                    "network.natGateways", "prod needs one NAT gateway per AZ ('perAz')"
                )

        # Serving: endpoints name registry entries; prod real-time endpoints survive an AZ loss.
        model_names = [m.name for m in self.registry.models]
        image_names = [i.name for i in self.registry.images]
        for i, endpoint in enumerate(self.serving.endpoints):
            if endpoint.model not in model_names:
                raise rule_error(
                    f"serving.endpoints[{i}].model",
                    f"unknown model family '{endpoint.model}' "
                    f"(registry.models: {', '.join(model_names) or 'none'})",
                )
            if endpoint.image not in image_names:
                raise rule_error(
                    f"serving.endpoints[{i}].image",
                    f"unknown image '{endpoint.image}' "
                    f"(registry.images: {', '.join(image_names) or 'none'})",
                )
            if prod and not endpoint.is_serverless and endpoint.min_instances < 2:
                raise rule_error(
                    f"serving.endpoints[{i}].minInstances",
                    f"prod real-time endpoints need at least 2 instances "
                    f"(got {endpoint.min_instances})",
                )
        alerts = self.monitoring
        if prod and not (alerts.alert_emails or alerts.alert_https_endpoints):
            raise rule_error(
                "monitoring.alertEmails",
                "prod needs at least one alert recipient (alertEmails or alertHttpsEndpoints)",
            )
        return self

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"
