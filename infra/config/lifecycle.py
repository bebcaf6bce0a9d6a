"""`registry.models[].pipeline` and `registry.models[].batch` — the ML lifecycle loop.

A model family may configure a retraining pipeline (processing, training, evaluation,
quality check, condition on a metric, registration as PendingManualApproval) with its
triggers (an EventBridge Scheduler schedule and a drift alarm), and a scheduled batch
transform of the version pinned for the stack. Which triggers are on when the stack file is
silent follows the environment kind (`EnvironmentProfile.pipeline_triggers`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from components import catalog

from .base import ConfigModel, ResourceName, rule_error
from .catalog_checks import check_instance_type, stack_region

if TYPE_CHECKING:
    from .schema import PlatformConfig

# EventBridge Scheduler expressions: cron with six fields (day-of-month or day-of-week is
# '?'), or a rate with a unit (singular for 1).
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
# A key prefix inside the artifact bucket: relative, ends with '/', segments of
# lower-case letters, digits, '-' and '_' (no '.', so no '..').
S3KeyPrefix = Annotated[str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9_-]{0,62}/){1,8}$")]
# SageMaker hyperparameter keys and values are strings of at most 256 characters.
HyperparameterValue = str | int | float
MetricName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:_.\-/]{1,255}$")]
FeatureName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")]
# CloudWatch allows at most 10 metrics in one alarm's metric math.
MAX_DRIFT_FEATURES = 10


def check_schedule_expression(expression: str) -> str:
    """An EventBridge Scheduler cron() or rate() expression; raises ValueError otherwise."""
    cron = _CRON.match(expression)
    if cron:
        day_of_month, day_of_week = cron.group(3), cron.group(5)
        if (day_of_month == "?") == (day_of_week == "?"):
            raise ValueError(
                f"'{expression}': exactly one of day-of-month and day-of-week must be '?'"
            )
        return expression
    rate = _RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) == unit.endswith("s"):
            raise ValueError(f"'{expression}': use 'rate(1 day)' or 'rate(N days)' (N > 1)")
        return expression
    raise ValueError(
        f"'{expression}' is not a schedule expression: cron(min hour day month weekday year) "
        "or rate(N minutes|hours|days), for example cron(0 3 ? * SUN *)"
    )


def _processing(instance_type: str) -> str:
    check_instance_type(instance_type, "sagemaker-processing")
    return instance_type


class PipelineInputs(ConfigModel):
    """Where the pipeline reads its data: one of the stack's feature groups (its offline
    store) or a prefix in the artifact bucket."""

    feature_group: ResourceName | None = Field(
        default=None, description="Feature group of featureStore.featureGroups (offline store)."
    )
    s3_prefix: S3KeyPrefix | None = Field(
        default=None, description="Prefix in the artifact bucket, e.g. datasets/churn/."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> PipelineInputs:
        if (self.feature_group is None) == (self.s3_prefix is None):
            raise rule_error("featureGroup", "set exactly one of featureGroup and s3Prefix")
        return self


class Framework(ConfigModel):
    """A SageMaker framework image, resolved per region from the catalog."""

    name: Literal["xgboost", "sklearn"] = Field(description="Framework.")
    version: str = Field(description="Framework version, e.g. '1.7-1'.")

    @model_validator(mode="after")
    def _in_catalog(self) -> Framework:
        versions = catalog.frameworks().get(self.name, ())
        if self.version not in versions:
            raise rule_error(
                "version",
                f"no {self.name} image '{self.version}' in the catalog "
                f"(known: {', '.join(versions)})",
            )
        region = stack_region()
        if region and catalog.framework_image(self.name, self.version, region, "training") is None:
            raise rule_error("version", f"{self.name} {self.version} has no image in {region}")
        return self


class Metric(ConfigModel):
    """The training job metric a new version must reach to be registered."""

    name: MetricName = Field(description="Training job metric, e.g. validation:auc.")
    threshold: float = Field(description="Value the metric must reach.")
    comparison: Literal["greaterThanOrEqualTo", "lessThanOrEqualTo"] = Field(
        default="greaterThanOrEqualTo", description="How the metric is compared."
    )
    regex: str | None = Field(
        default=None,
        max_length=500,
        description="Regex with one group capturing the metric from the training log "
        "(framework images emit no metrics of their own; built-in xgboost does).",
    )

    @field_validator("regex")
    @classmethod
    def _one_group(cls, regex: str | None) -> str | None:
        if regex is not None:
            try:
                groups = re.compile(regex).groups
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
            if groups != 1:
                raise ValueError(f"the regex needs exactly one capture group (has {groups})")
        return regex


class PipelineSchedule(ConfigModel):
    """When the pipeline retrains on its own (EventBridge Scheduler)."""

    expression: str = Field(
        default="cron(0 3 ? * SUN *)", description="cron() or rate() expression (UTC)."
    )
    enabled: bool | None = Field(
        default=None, description="Run on schedule. Default: off in dev, on elsewhere."
    )

    @field_validator("expression")
    @classmethod
    def _expression(cls, expression: str) -> str:
        return check_schedule_expression(expression)


class DriftTrigger(ConfigModel):
    """Retrain when Model Monitor measures drift on the family's endpoints."""

    enabled: bool | None = Field(
        default=None, description="Alarm and retrain on drift. Default: off in dev, on elsewhere."
    )
    features: list[FeatureName] = Field(
        default_factory=list,
        max_length=MAX_DRIFT_FEATURES,
        description="Features whose baseline drift (feature_baseline_drift_<feature>) is watched.",
    )
    threshold: float = Field(
        default=0.2, gt=0, le=1, description="Drift distance (0-1) that raises the alarm."
    )
    evaluation_periods: int = Field(
        default=2, ge=1, le=24, description="Consecutive hourly runs over the threshold."
    )


class Pipeline(ConfigModel):
    """A SageMaker retraining pipeline of the family."""

    inputs: PipelineInputs = Field(description="Training data location.")
    framework: Framework = Field(description="Framework image (training and processing).")
    training_instance_type: str = Field(default="ml.m5.xlarge", description="Training type.")
    training_instance_count: int = Field(default=1, ge=1, le=20, description="Instances.")
    processing_instance_type: str = Field(
        default="ml.m5.xlarge", description="Processing, evaluation and quality-check type."
    )
    hyperparameters: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=256)], HyperparameterValue
    ] = Field(default_factory=dict, max_length=100, description="Training hyperparameters.")
    metric: Metric = Field(description="Registration threshold.")
    max_runtime_minutes: int = Field(
        default=120, ge=5, le=1440, description="Longest a training or processing job runs."
    )
    schedule: PipelineSchedule = Field(default_factory=PipelineSchedule, description="Schedule.")
    drift_trigger: DriftTrigger = Field(
        default_factory=DriftTrigger, description="Retraining on drift."
    )

    @field_validator("training_instance_type")
    @classmethod
    def _training(cls, instance_type: str) -> str:
        if not catalog.is_training_instance_type(instance_type):
            known = ", ".join(catalog.framework_table()["trainingInstanceTypes"])
            raise ValueError(f"'{instance_type}' is not a priced training type ({known})")
        return instance_type

    @field_validator("processing_instance_type")
    @classmethod
    def _processing_type(cls, instance_type: str) -> str:
        return _processing(instance_type)

    @field_validator("hyperparameters")
    @classmethod
    def _short_values(cls, values: dict[str, HyperparameterValue]) -> dict[str, str]:
        result = {}
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if len(text) > 256:
                raise rule_error(key, "a hyperparameter value is at most 256 characters")
            result[key] = text
        return result

    @model_validator(mode="after")
    def _framework_metrics(self) -> Pipeline:
        if self.framework.name != "xgboost" and self.metric.regex is None:
            raise rule_error(
                "metric.regex",
                f"{self.framework.name} images emit no metrics: give the regex that reads "
                f"{self.metric.name} from the training log",
            )
        if self.drift_trigger.enabled and not self.drift_trigger.features:
            raise rule_error("driftTrigger.features", "name at least one feature to watch")
        return self


class Batch(ConfigModel):
    """Scheduled batch transform with the version of the family pinned for the stack."""

    model_package_version: int = Field(
        ge=1, le=2**31 - 1, description="Approved version of the family's package group."
    )
    schedule: str = Field(default="cron(0 2 * * ? *)", description="cron() or rate() (UTC).")
    enabled: bool = Field(default=True, description="Run on schedule.")
    input_prefix: S3KeyPrefix = Field(description="Input prefix in the artifact bucket.")
    output_prefix: S3KeyPrefix = Field(description="Output prefix in the artifact bucket.")
    instance_type: str = Field(default="ml.m5.xlarge", description="Transform instance type.")
    instance_count: int = Field(default=1, ge=1, le=20, description="Transform instances.")
    max_runtime_minutes: int = Field(default=60, ge=5, le=1440, description="Pipeline bound.")

    @field_validator("schedule")
    @classmethod
    def _expression(cls, expression: str) -> str:
        return check_schedule_expression(expression)

    @field_validator("instance_type")
    @classmethod
    def _transform(cls, instance_type: str) -> str:
        check_instance_type(instance_type, "sagemaker-transform")
        return instance_type

    @model_validator(mode="after")
    def _separate_prefixes(self) -> Batch:
        a, b = self.input_prefix, self.output_prefix
        if a.startswith(b) or b.startswith(a):
            raise rule_error("outputPrefix", "input and output prefixes must not overlap")
        return self


def check_lifecycle(config: PlatformConfig) -> None:
    """Cross-section rules of every family's pipeline; fills in the environment's defaults.

    Inputs name a feature group with an offline store; drift is watched on features of
    that group and on endpoints of the family that Model Monitor checks.
    """
    from .monitoring import monitored_endpoints

    groups = {g.name: g for g in config.feature_store.feature_groups}
    checked = monitored_endpoints(config.monitoring, config.serving.deployed())
    for i, family in enumerate(config.registry.models):
        pipeline = family.pipeline
        if pipeline is None:
            continue
        at = f"registry.models[{i}].pipeline"
        default = config.profile.pipeline_triggers
        if pipeline.schedule.enabled is None:
            pipeline.schedule.enabled = default
        drift = pipeline.drift_trigger
        if drift.enabled is None:
            drift.enabled = default and bool(drift.features)
        group = None
        if pipeline.inputs.feature_group is not None:
            group = groups.get(pipeline.inputs.feature_group)
            if group is None or not group.offline_store.enabled:
                raise rule_error(
                    f"{at}.inputs.featureGroup",
                    f"'{pipeline.inputs.feature_group}' is not a feature group with an offline "
                    f"store (featureStore.featureGroups: {', '.join(groups) or 'none'})",
                )
        if not drift.enabled:
            continue
        if group is not None:
            names = [f.name for f in group.features]
            for j, feature in enumerate(drift.features):
                if feature not in names:
                    raise rule_error(
                        f"{at}.driftTrigger.features[{j}]",
                        f"'{feature}' is not a feature of {group.name} ({', '.join(names)})",
                    )
        if not any(e.model == family.name for e in checked):
            raise rule_error(
                f"{at}.driftTrigger.enabled",
                f"no deployed endpoint of {family.name} captures data with a baseline, so "
                "nothing measures its drift; set enabled: false",
            )
