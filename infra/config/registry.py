"""`mlops-platform:registry` — model registry, serving images and MLflow."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import AwsAccountId, ConfigModel, ResourceName


class ModelFamily(ConfigModel):
    """A SageMaker model package group."""

    name: ResourceName = Field(description="Model family name.")
    description: str | None = Field(default=None, description="Human description.")
    consumer_accounts: list[AwsAccountId] = Field(
        default_factory=list, description="Accounts allowed to read (promote) its packages."
    )


class ServingImage(ConfigModel):
    """An ECR repository for a serving image."""

    name: ResourceName = Field(description="Repository name.")
    keep_last_images: int = Field(default=30, ge=1, le=1000, description="Images kept.")


class Mlflow(ConfigModel):
    """Managed MLflow tracking server."""

    enabled: bool = Field(default=False, description="Create the tracking server.")
    size: Literal["Small", "Medium", "Large"] = Field(default="Small", description="Server size.")


class RegistryConfig(ConfigModel):
    """Model registry: artifact bucket, model package groups, ECR repositories, MLflow."""

    models: list[ModelFamily] = Field(default_factory=list, description="Model families.")
    images: list[ServingImage] = Field(default_factory=list, description="Serving images.")
    mlflow: Mlflow = Field(default_factory=Mlflow, description="MLflow tracking server.")
