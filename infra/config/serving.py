"""`mlops-platform:serving` — SageMaker endpoints."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.monitoring.thresholds import DEFAULT_THRESHOLDS

from .base import ConfigModel, ResourceName, check_unique_names, rule_error
from .catalog_checks import check_instance_type
from .monitoring import GroundTruth

# Memory sizes SageMaker Serverless Inference offers (MB).
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
# Per-endpoint limit of serverless MaxConcurrency.
SERVERLESS_MAX_CONCURRENCY = 200
# Longest baking (waits between traffic shifts + final termination wait) a rollout may have.
MAX_ROLLOUT_BAKING_SECONDS = 10800


# An image is referenced by digest only: a tag can be pushed again, a digest names one image.
ImageDigest = Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
# `s3://<bucket>/models/<family>/<version>/<file>.tar.gz`; the family is checked per endpoint.
MODEL_DATA_URL = re.compile(
    r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/models/(?P<family>[^/]+)/"
    r"(?P<version>[^/]+)/(?:[^/]+/)*[^/]+\.tar\.gz$"
)
# Path segments that name "whatever is newest": overwritten in place, so never a version.
MUTABLE_VERSION_NAMES = frozenset({"latest", "current", "live", "stable", "prod", "production"})
FIRST_MODEL_HINT = 'see README "First model"'


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
        default=DEFAULT_THRESHOLDS.max_5xx_errors,
        ge=0,
        le=1_000_000,
        description="5xx responses per minute that raise the alarm.",
    )
    latency_p99_ms: int = Field(
        default=DEFAULT_THRESHOLDS.latency_p99_ms,
        ge=1,
        le=3_600_000,
        description="p99 model latency ceiling (ms).",
    )
    max_invocation_errors: int = Field(
        default=DEFAULT_THRESHOLDS.max_invocation_errors,
        ge=0,
        le=1_000_000,
        description="Failed model invocations per minute that raise the alarm.",
    )
    evaluation_minutes: int = Field(
        default=DEFAULT_THRESHOLDS.evaluation_minutes,
        ge=1,
        le=60,
        description="Consecutive breaching minutes before alarming.",
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
    model_package_version: int | None = Field(
        default=None,
        ge=1,
        # SageMaker's ModelPackageVersion is a 32-bit integer.
        le=2**31 - 1,
        description="Serve this Approved version of the model family's package group. "
        "Without it (or modelDataUrl + imageDigest) the endpoint is declared, not deployed.",
    )
    model_data_url: str | None = Field(
        default=None,
        description="Instead of a package version: the model artifact, "
        "s3://<artifact bucket>/models/<model>/<version>/model.tar.gz (never overwritten).",
    )
    image_digest: ImageDigest | None = Field(
        default=None,
        description="With modelDataUrl: digest (sha256:...) of the serving image to run.",
    )
    instance_type: str | None = Field(default=None, description="Real-time instance type.")
    min_instances: int = Field(default=1, ge=1, le=100, description="Minimum instances.")
    max_instances: int = Field(default=1, ge=1, le=100, description="Maximum instances.")
    target_invocations_per_instance: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
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
    ground_truth: GroundTruth | None = Field(
        default=None,
        description="Ground-truth labels: monitor model quality (needs dataCapturePercent).",
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

    @field_validator("model_data_url")
    @classmethod
    def _versioned_artifact(cls, url: str | None) -> str | None:
        if url is None:
            return None
        match = MODEL_DATA_URL.match(url)
        if match is None:
            raise ValueError(
                f"'{url}' is not s3://<artifact bucket>/models/<model>/<version>/<file>.tar.gz"
            )
        if match["version"].lower() in MUTABLE_VERSION_NAMES:
            raise ValueError(
                f"'{match['version']}' is not a version: retraining would overwrite it in place; "
                "give each artifact its own path (e.g. a date or training job name)"
            )
        return url

    @model_validator(mode="after")
    def _one_immutable_model_version(self) -> Endpoint:
        if self.model_package_version is not None:
            for key in ("model_data_url", "image_digest"):
                if getattr(self, key) is not None:
                    raise rule_error(
                        to_camel(key),
                        "set either modelPackageVersion (the package names its image and "
                        "artifact) or modelDataUrl with imageDigest, not both",
                    )
        elif (self.model_data_url is None) != (self.image_digest is None):
            missing = "imageDigest" if self.image_digest is None else "modelDataUrl"
            raise rule_error(missing, "modelDataUrl and imageDigest go together; set both")
        if self.model_data_url is not None:
            family = MODEL_DATA_URL.match(self.model_data_url)["family"]  # type: ignore[index]
            if family != self.model:
                raise rule_error(
                    "modelDataUrl",
                    f"the artifact is under models/{family}/ but the endpoint serves model "
                    f"'{self.model}' (its role may read models/{self.model}/ only)",
                )
        return self

    @model_validator(mode="after")
    def _quality_needs_capture(self) -> Endpoint:
        if self.ground_truth is not None and not self.data_capture_percent:
            raise rule_error(
                "groundTruth",
                "model-quality monitoring merges labels with captured predictions: "
                "set dataCapturePercent",
            )
        return self

    @property
    def is_deployed(self) -> bool:
        """Pinned to an immutable model version; otherwise declared but not deployed."""
        return self.model_package_version is not None or self.model_data_url is not None

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

    def deployed(self) -> list[Endpoint]:
        """Endpoints pinned to a model version: the ones the program creates."""
        return [e for e in self.endpoints if e.is_deployed]

    def pending(self) -> list[tuple[int, Endpoint]]:
        """(index, endpoint) of endpoints declared but not deployed (no version pinned)."""
        return [(i, e) for i, e in enumerate(self.endpoints) if not e.is_deployed]

    def pending_notes(self) -> list[dict[str, str]]:
        """One entry per pending endpoint: its name, the key to set and a plain sentence."""
        return [
            {
                "endpoint": e.name,
                "key": f"serving.endpoints[{i}].modelPackageVersion",
                "message": f"endpoint {e.name}: declared, not deployed — pin "
                f"serving.endpoints[{i}].modelPackageVersion ({FIRST_MODEL_HINT})",
            }
            for i, e in self.pending()
        ]

    def families_by_image(self) -> dict[str, list[str]]:
        """Image -> model families the stack's endpoints serve from it (declared or not)."""
        families: dict[str, list[str]] = {}
        for endpoint in self.endpoints:
            served = families.setdefault(endpoint.image, [])
            if endpoint.model not in served:
                served.append(endpoint.model)
        return families
