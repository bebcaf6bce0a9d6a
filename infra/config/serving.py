"""`mlops-platform:serving` — SageMaker endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigModel, ResourceName


class Serverless(ConfigModel):
    """Serverless inference: no idle cost."""

    memory_mb: int = Field(default=2048, description="Memory per concurrent invocation.")
    max_concurrency: int = Field(default=5, ge=1, le=200, description="Max concurrency.")


class Endpoint(ConfigModel):
    """A SageMaker endpoint serving one model family from one image."""

    name: ResourceName = Field(description="Endpoint name.")
    model: ResourceName = Field(description="Model family from registry.models.")
    image: ResourceName = Field(description="Serving image from registry.images.")
    instance_type: str | None = Field(default=None, description="Real-time instance type.")
    min_instances: int = Field(default=1, ge=1, description="Minimum instances.")
    max_instances: int = Field(default=1, ge=1, description="Maximum instances.")
    serverless: Serverless | None = Field(default=None, description="Serverless settings.")
    data_capture_percent: int = Field(default=0, description="Sampled requests captured.")
    rollout: Literal["allAtOnce", "canary", "linear"] = Field(
        default="allAtOnce", description="Blue/green traffic shifting."
    )


class ServingConfig(ConfigModel):
    """Model serving endpoints."""

    endpoints: list[Endpoint] = Field(default_factory=list, description="Endpoints.")
