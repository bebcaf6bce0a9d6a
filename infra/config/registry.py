"""`mlops-platform:registry` — model registry, serving images and MLflow."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import AwsAccountId, ConfigModel, ResourceName, check_unique_names, rule_error

# CreateMlflowTrackingServer: WeeklyMaintenanceWindowStart, e.g. "Sun:03:30" (UTC).
MAINTENANCE_WINDOW_PATTERN = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$"
)
MLFLOW_VERSION_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?$")
# Resource policies are limited in size; a long list of consumers belongs in an organization.
MAX_CONSUMER_ACCOUNTS = 20


def _unique_accounts(accounts: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    for index, account in enumerate(accounts):
        if account in seen:
            raise rule_error(
                f"[{index}]", f"account {account} is listed twice (first at [{seen[account]}])"
            )
        seen[account] = index
    return accounts


class ModelFamily(ConfigModel):
    """A SageMaker model package group; consumer accounts may read (promote) its versions."""

    name: ResourceName = Field(description="Model family name.")
    description: str | None = Field(
        default=None, max_length=1024, description="Human description (up to 1024 characters)."
    )
    consumer_accounts: list[AwsAccountId] = Field(
        default_factory=list,
        max_length=MAX_CONSUMER_ACCOUNTS,
        description="AWS accounts (staging/prod) allowed to read its packages and artifacts.",
    )

    @field_validator("consumer_accounts")
    @classmethod
    def _no_repeats(cls, accounts: list[str]) -> list[str]:
        return _unique_accounts(accounts)


class ServingImage(ConfigModel):
    """An ECR repository for a serving image (immutable tags, scan on push, KMS)."""

    name: ResourceName = Field(description="Repository name (under the stack's namespace).")
    keep_last_images: int = Field(
        default=30, ge=1, le=1000, description="Tagged images kept; older ones expire (1-1000)."
    )
    consumer_accounts: list[AwsAccountId] = Field(
        default_factory=list,
        max_length=MAX_CONSUMER_ACCOUNTS,
        description="AWS accounts allowed to pull the image (cross-account serving).",
    )

    @field_validator("consumer_accounts")
    @classmethod
    def _no_repeats(cls, accounts: list[str]) -> list[str]:
        return _unique_accounts(accounts)


class Mlflow(ConfigModel):
    """Managed MLflow tracking server, artifacts in the registry's artifact bucket."""

    enabled: bool = Field(default=False, description="Create the tracking server.")
    size: Literal["Small", "Medium", "Large"] = Field(
        default="Small", description="Server size: Small (up to 25 users), Medium, Large."
    )
    version: str | None = Field(
        default=None, description="MLflow version, e.g. '3.0'; the service default if omitted."
    )
    automatic_model_registration: bool = Field(
        default=False, description="Register MLflow models in the SageMaker model registry."
    )
    weekly_maintenance_window_start: str | None = Field(
        default=None, description="Maintenance window start in UTC, e.g. 'Sun:03:30'."
    )

    @field_validator("version")
    @classmethod
    def _version(cls, version: str | None) -> str | None:
        if version is not None and not MLFLOW_VERSION_PATTERN.match(version):
            raise ValueError(f"'{version}' is not an MLflow version like '2.16' or '3.0'")
        return version

    @field_validator("weekly_maintenance_window_start")
    @classmethod
    def _window(cls, window: str | None) -> str | None:
        if window is not None and not MAINTENANCE_WINDOW_PATTERN.match(window):
            raise ValueError(f"'{window}' is not a window start like 'Sun:03:30' (Ddd:HH:MM, UTC)")
        return window


class RegistryConfig(ConfigModel):
    """Model registry: artifact bucket, model package groups, ECR repositories, MLflow."""

    models: list[ModelFamily] = Field(default_factory=list, description="Model families.")
    images: list[ServingImage] = Field(default_factory=list, description="Serving images.")
    mlflow: Mlflow = Field(default_factory=Mlflow, description="MLflow tracking server.")

    @model_validator(mode="after")
    def _unique_names(self) -> RegistryConfig:
        check_unique_names(self.models, "models")
        check_unique_names(self.images, "images")
        return self
