"""The root of the stack-config schema and the rules that span sections."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from components import catalog

from .base import ConfigModel, rule_error
from .catalog_checks import validation_scope
from .ci_access import CiAccessConfig
from .ci_runners import CiRunnersConfig
from .environments import PROFILES, EnvironmentProfile
from .feature_store import FeatureStoreConfig
from .lifecycle import check_lifecycle
from .monitoring import MonitoringConfig
from .network import NetworkConfig
from .policy import PolicyConfig
from .promotion import SECRET_ARN, PromotionConfig
from .registry import RegistryConfig
from .serving import ServingConfig
from .training import TrainingConfig, check_training_for_environment

SCHEMA_VERSION = 2

# Regions where every service the platform uses (EKS, SageMaker endpoints, Feature Store,
# managed MLflow) is offered, and that the catalog's price table covers.
SUPPORTED_REGIONS = catalog.regions()

# AWS tag rules: keys 1-128 and values 0-256 characters of letters, digits, white space
# and `_ . : / = + - @`; at most 50 tags per resource.
_TAG_CHARACTERS = r"^[\w\s.:/=+\-@]*$"
TagText = Annotated[str, StringConstraints(max_length=256, pattern=_TAG_CHARACTERS)]
TagKey = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_TAG_CHARACTERS)]
# Tags the program sets on resources itself (args.deployment, Deployment.tagged and the
# components' extras); a stack file's extra tags may not override them.
RESERVED_TAG_KEYS = frozenset(
    {"environment", "owner", "cost-center", "project", "managed-by", "stack", "Name", "model"}
)
# 50 per resource, less the reserved ones the program sets.
MAX_EXTRA_TAGS = 50 - len(RESERVED_TAG_KEYS)


class Tags(ConfigModel):
    """Tags on every taggable resource. owner and costCenter are required for cost reports."""

    owner: Annotated[
        str, StringConstraints(min_length=1, max_length=256, pattern=_TAG_CHARACTERS)
    ] = Field(description="Team or person accountable for the stack.")
    cost_center: Annotated[
        str, StringConstraints(min_length=1, max_length=256, pattern=_TAG_CHARACTERS)
    ] = Field(description="Cost center the bill goes to.")
    extra: dict[TagKey, TagText] = Field(
        default_factory=dict,
        description="Further tags (keys must not start with 'aws:' nor name a tag the "
        "platform sets).",
    )

    @field_validator("extra")
    @classmethod
    def _no_reserved_keys(cls, extra: dict[str, str]) -> dict[str, str]:
        if len(extra) > MAX_EXTRA_TAGS:
            raise ValueError(
                f"{len(extra)} extra tags; at most {MAX_EXTRA_TAGS} (AWS allows 50 per "
                f"resource and the platform sets {len(RESERVED_TAG_KEYS)})"
            )
        for key in extra:
            if key.lower().startswith("aws:"):
                raise rule_error(key, "tag keys starting with 'aws:' are reserved by AWS")
            if key in RESERVED_TAG_KEYS or key.lower() in RESERVED_TAG_KEYS:
                raise rule_error(key, "the platform sets this tag itself; choose another key")
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
    ci_runners: CiRunnersConfig | None = Field(
        default=None,
        description="CodeBuild-hosted GitHub Actions runner in the VPC (needs ciAccess; "
        "omit to create none).",
    )
    promotion: PromotionConfig | None = Field(
        default=None,
        description="Dispatch the promote workflow when a model version is Approved "
        "(omit for manual promotion only).",
    )
    # Sections (config keys without namespace) Pulumi holds as secrets; set by the loader.
    _secret_sections: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="wrap")
    @classmethod
    def _in_region_and_day(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        # Sections check instance types against this stack's region, and Kubernetes
        # versions against the day (`context={"today": date}` in tests).
        region = data.get("region") if isinstance(data, dict) else None
        today = (info.context or {}).get("today") if isinstance(info.context, dict) else None
        with validation_scope(region, today):
            return handler(data)

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
        env = self.profile
        net = self.network
        if net.nat_gateways is None:
            net.nat_gateways = env.nat_gateways
        if self.monitoring.log_retention_days is None:
            self.monitoring.log_retention_days = env.log_retention_days
        if net.flow_log_retention_days is None:
            net.flow_log_retention_days = self.monitoring.log_retention_days
        if self.training.endpoint_public_access is None:
            self.training.endpoint_public_access = env.eks_public_endpoint
        check_training_for_environment(self.training, self.environment, env)

        if net.existing_vpc is None and net.az_count < env.min_azs:
            raise rule_error(
                "network.azCount",
                f"{self.environment} needs at least {env.min_azs} AZs (got {net.az_count})",
            )
        if net.existing_vpc is not None and len(net.existing_vpc.private_subnet_ids) < env.min_azs:
            raise rule_error(
                "network.existingVpc.privateSubnetIds",
                f"{self.environment} needs private subnets in at least {env.min_azs} AZs",
            )
        if env.nat_per_az_required and net.nat_gateways != "perAz":
            raise rule_error(
                "network.natGateways",
                f"{self.environment} needs one NAT gateway per AZ ('perAz')",
            )

        self._check_serving(env)
        if self.ci_runners is not None and self.ci_access is None:
            raise rule_error(
                "ciRunners", "needs ciAccess: runner jobs deploy with the ciAccess deploy role"
            )
        check_lifecycle(self)
        alerts = self.monitoring
        if env.alert_recipient_required and not (
            alerts.alert_emails or alerts.alert_https_endpoints
        ):
            raise rule_error(
                "monitoring.alertEmails",
                f"{self.environment} needs at least one alert recipient "
                "(alertEmails or alertHttpsEndpoints)",
            )
        return self

    def _check_serving(self, env: EnvironmentProfile) -> None:
        """Endpoints name registry entries; real-time endpoints meet the instance minimum."""
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
            minimum = env.min_realtime_instances
            if not endpoint.is_serverless and endpoint.min_instances < minimum:
                raise rule_error(
                    f"serving.endpoints[{i}].minInstances",
                    f"{self.environment} real-time endpoints need at least {minimum} instances "
                    f"(got {endpoint.min_instances})",
                )
        # Consumers of a family can pull the image it is served from; no one else can.
        self.registry.check_image_sharing(self.serving.families_by_image())
        self._check_promotion(model_names)

    def _check_promotion(self, model_names: list[str]) -> None:
        """Promotion dispatches only for families the registry holds."""
        if self.promotion is None:
            return
        for i, family in enumerate(self.promotion.models or []):
            if family not in model_names:
                raise rule_error(
                    f"promotion.models[{i}]",
                    f"unknown model family '{family}' "
                    f"(registry.models: {', '.join(model_names) or 'none'})",
                )
        arn = SECRET_ARN.match(self.promotion.token_secret)
        if arn is not None and arn["region"] != self.region:
            raise rule_error(
                "promotion.tokenSecret",
                f"the secret is in {arn['region']}, the stack in {self.region}: EventBridge "
                "reads it in the stack's region (name a secret there)",
            )
        if not self.promoted_families():
            raise rule_error("promotion", "no model family to promote (registry.models is empty)")

    def promoted_families(self) -> list[str]:
        """Families whose approvals dispatch the promote workflow."""
        if self.promotion is None:
            return []
        if self.promotion.models is not None:
            return list(self.promotion.models)
        return [m.name for m in self.registry.models]

    def is_secret(self, section: str) -> bool:
        """Whether Pulumi holds the config section (e.g. `monitoring`) as a secret."""
        return section in self._secret_sections

    @property
    def profile(self) -> EnvironmentProfile:
        """Defaults and rules of the stack's environment kind."""
        return PROFILES[self.environment]
