"""`mlops-platform:serving` — SageMaker endpoints."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .base import ConfigModel, ResourceName, check_unique_names, rule_error
from .catalog_checks import check_instance_type

# Memory sizes SageMaker Serverless Inference offers (MB).
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
# Per-endpoint limit of serverless MaxConcurrency.
SERVERLESS_MAX_CONCURRENCY = 200
# Longest baking (waits between traffic shifts + final termination wait) a rollout may have.
MAX_ROLLOUT_BAKING_SECONDS = 10800

ImageTag = Annotated[
    str, StringConstraints(pattern=r"^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[0-9a-f]{64})$")
]


class Serverless(ConfigModel):
    """Serverless inference: no idle cost, for dev and light models."""

    memory_mb: int = Field(default=2048, description="Memory per concurrent invocation (MB).")
    max_concurrency: int = Field(
        default=5,
        ge=1,
        le=SERVERLESS_MAX_CONCURRENCY,
        description=f"Max concurrent invocations (1-{SERVERLESS_MAX_CONCURRENCY}).",
    )

    @field_validator("memory_mb")
    @classmethod
    def _allowed_memory(cls, memory: int) -> int:
        if memory not in SERVERLESS_MEMORY_MB:
            raise ValueError(
                f"{memory} MB is not a serverless memory size "
                f"(allowed: {', '.join(map(str, SERVERLESS_MEMORY_MB))})"
            )
        return memory


class Rollout(ConfigModel):
    """Blue/green traffic shifting of an endpoint update, with auto-rollback on its alarms.

    `rollout: canary` is short for `rollout: {strategy: canary}`.
    """

    strategy: Literal["allAtOnce", "canary", "linear"] = Field(
        default="allAtOnce", description="All at once, a canary step, or linear steps."
    )
    step_percent: int = Field(
        default=10,
        ge=1,
        le=50,
        description="Canary size, or size of each linear step (% of capacity).",
    )
    wait_seconds: int = Field(
        default=300, ge=0, le=3600, description="Baking time between traffic shifts."
    )
    termination_wait_seconds: int = Field(
        default=600, ge=0, le=3600, description="Time the old fleet is kept after full shift."
    )

    @model_validator(mode="after")
    def _fits_deployment_timeout(self) -> Rollout:
        # SageMaker stops a blue/green deployment after at most 4 hours, provisioning of the
        # new fleet (up to an hour) included.
        if self.strategy == "linear" and self.step_percent < 10:
            raise rule_error(
                "stepPercent",
                f"linear steps must be 10-50% of capacity (got {self.step_percent})",
            )
        steps = {"allAtOnce": 1, "canary": 2, "linear": math.ceil(100 / self.step_percent)}
        baking = self.wait_seconds * steps[self.strategy] + self.termination_wait_seconds
        if baking > MAX_ROLLOUT_BAKING_SECONDS:
            raise rule_error(
                "waitSeconds",
                f"a {self.strategy} rollout would bake for {baking} s "
                f"(waits + terminationWaitSeconds); at most {MAX_ROLLOUT_BAKING_SECONDS} s fit "
                "in SageMaker's 4-hour deployment limit",
            )
        return self


class EndpointAlarms(ConfigModel):
    """Thresholds of the endpoint's alarms (they also trigger auto-rollback)."""

    max_server_errors: int = Field(
        default=5, ge=0, description="5xx responses per minute that raise the alarm."
    )
    latency_p99_ms: int = Field(
        default=1000, ge=1, le=3_600_000, description="p99 model latency ceiling (ms)."
    )
    max_invocation_errors: int = Field(
        default=10, ge=0, description="Failed model invocations per minute that raise the alarm."
    )
    evaluation_minutes: int = Field(
        default=3, ge=1, le=60, description="Consecutive breaching minutes before alarming."
    )


def _also_strategy_name(schema: dict[str, Any]) -> None:
    """Editors accept `rollout: canary` as the validator does."""
    ref = {k: schema.pop(k) for k in list(schema) if k in ("$ref", "allOf", "type", "properties")}
    schema["anyOf"] = [ref, {"enum": ["allAtOnce", "canary", "linear"]}]


class Endpoint(ConfigModel):
    """A SageMaker endpoint serving one model family from one image."""

    name: ResourceName = Field(description="Endpoint name.")
    model: ResourceName = Field(description="Model family from registry.models.")
    image: ResourceName = Field(description="Serving image from registry.images.")
    image_tag: ImageTag = Field(default="latest", description="Image tag or sha256 digest.")
    model_package_version: int | None = Field(
        default=None,
        ge=1,
        description="Serve this approved version of the model family's package group "
        "instead of models/<model>/model.tar.gz in the artifact bucket.",
    )
    instance_type: str | None = Field(default=None, description="Real-time instance type.")
    min_instances: int = Field(default=1, ge=1, le=100, description="Minimum instances.")
    max_instances: int = Field(default=1, ge=1, le=100, description="Maximum instances.")
    target_invocations_per_instance: int = Field(
        default=100,
        ge=1,
        description="Autoscaling target: invocations per instance per minute.",
    )
    serverless: Serverless | None = Field(default=None, description="Serverless settings.")
    data_capture_percent: int = Field(
        default=0, description="Share of requests captured with their responses (0-100)."
    )
    rollout: Rollout = Field(
        default_factory=Rollout,
        description="Blue/green traffic shifting (a strategy name is short for {strategy: name}).",
        json_schema_extra=_also_strategy_name,
    )
    alarms: EndpointAlarms = Field(
        default_factory=EndpointAlarms, description="Alarm thresholds (auto-rollback triggers)."
    )

    @field_validator("rollout", mode="before")
    @classmethod
    def _rollout_shorthand(cls, value: Any) -> Any:
        return {"strategy": value} if isinstance(value, str) else value

    @field_validator("instance_type")
    @classmethod
    def _known_instance_type(cls, instance_type: str | None) -> str | None:
        if instance_type is not None:
            check_instance_type(instance_type, "sagemaker-hosting")
        return instance_type

    @field_validator("data_capture_percent")
    @classmethod
    def _percentage(cls, percent: int) -> int:
        if not 0 <= percent <= 100:
            raise ValueError(f"a percentage of requests must be 0-100 (got {percent})")
        return percent

    @model_validator(mode="after")
    def _real_time_xor_serverless(self) -> Endpoint:
        if self.serverless is None and self.instance_type is None:
            raise rule_error(
                "instanceType", "set instanceType (real-time) or serverless, one is required"
            )
        if self.serverless is not None:
            if self.instance_type is not None:
                raise rule_error(
                    "serverless", "set either instanceType (real-time) or serverless, not both"
                )
            for key in ("min_instances", "max_instances", "target_invocations_per_instance"):
                if key in self.model_fields_set:
                    camel = type(self).model_fields[key].alias or key
                    raise rule_error(camel, "does not apply to a serverless endpoint")
            # Serverless Inference supports neither data capture nor Model Monitor, nor
            # canary/linear deployment guardrails.
            if self.data_capture_percent:
                raise rule_error(
                    "dataCapturePercent", "serverless endpoints cannot capture data (set 0)"
                )
            if self.rollout.strategy != "allAtOnce":
                raise rule_error(
                    "rollout.strategy",
                    f"'{self.rollout.strategy}' traffic shifting needs a real-time endpoint; "
                    "serverless endpoints update all at once",
                )
        if self.min_instances > self.max_instances:
            raise rule_error(
                "maxInstances",
                f"must be >= minInstances ({self.max_instances} < {self.min_instances})",
            )
        return self

    @property
    def is_serverless(self) -> bool:
        return self.serverless is not None


class ServingConfig(ConfigModel):
    """Model serving endpoints."""

    endpoints: list[Endpoint] = Field(default_factory=list, description="Endpoints.")

    @model_validator(mode="after")
    def _unique_names(self) -> ServingConfig:
        check_unique_names(self.endpoints, "endpoints")
        return self
