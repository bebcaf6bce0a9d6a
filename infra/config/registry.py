"""`mlops-platform:registry` — model registry, serving images and MLflow."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .base import AwsAccountId, ConfigModel, ResourceName, check_unique_names, rule_error
from .lifecycle import Batch, Pipeline

# CreateMlflowTrackingServer: WeeklyMaintenanceWindowStart, e.g. "Sun:03:30" (UTC).
MAINTENANCE_WINDOW_PATTERN = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun):([01]\d|2[0-3]):([0-5]\d)$"
)
MLFLOW_VERSION_PATTERN = re.compile(r"^\d+\.\d+(\.\d+)?$")
# Resource policies are limited in size; a long list of consumers belongs in an organization.
MAX_CONSUMER_ACCOUNTS = 20
# ECR lifecycle rules accept up to 4 tag prefixes per selection.
MAX_SCRATCH_TAG_PREFIXES = 4
DEFAULT_SCRATCH_TAG_PREFIXES = ("ci-", "pr-", "dev-")
ScratchTagPrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")]


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

    pipeline: Pipeline | None = Field(
        default=None, description="Retraining pipeline with its schedule and drift trigger."
    )
    batch: Batch | None = Field(
        default=None, description="Scheduled batch transform of a pinned version."
    )

    @field_validator("consumer_accounts")
    @classmethod
    def _no_repeats(cls, accounts: list[str]) -> list[str]:
        return _unique_accounts(accounts)


class ServingImage(ConfigModel):
    """An ECR repository for a serving image (immutable tags, scan on push, KMS).

    Release images (any tag not starting with a scratch prefix) never expire: a model
    version may run on them for years. Untagged images and scratch-tagged images expire.
    """

    name: ResourceName = Field(description="Repository name (under the stack's namespace).")
    scratch_tag_prefixes: list[ScratchTagPrefix] = Field(
        default_factory=lambda: list(DEFAULT_SCRATCH_TAG_PREFIXES),
        min_length=1,
        max_length=MAX_SCRATCH_TAG_PREFIXES,
        description="Tag prefixes of throw-away builds (CI, pull requests); only these expire.",
    )
    keep_scratch_images: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="Scratch-tagged images kept; older ones expire (1-1000).",
    )
    consumer_accounts: list[AwsAccountId] = Field(
        default_factory=list,
        max_length=MAX_CONSUMER_ACCOUNTS,
        description="AWS accounts allowed to pull the image; each must read a model family "
        "served from it. Consumers of those families get pull access without being listed.",
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

    def image_consumers(self, families_by_image: dict[str, list[str]]) -> dict[str, list[str]]:
        """Image -> accounts that may pull it: the consumers of every family served from
        it (`families_by_image`, from the stack's endpoints) plus those the image lists."""
        readers = {m.name: m.consumer_accounts for m in self.models}
        result: dict[str, list[str]] = {}
        for image in self.images:
            accounts = set(image.consumer_accounts)
            for family in families_by_image.get(image.name, []):
                accounts.update(readers.get(family, []))
            result[image.name] = sorted(accounts)
        return result

    def check_image_sharing(self, families_by_image: dict[str, list[str]]) -> None:
        """An image shared with an account that reads no family served from it is a mistake:
        that account can pull the image but deploy nothing with it."""
        readers = {m.name: set(m.consumer_accounts) for m in self.models}
        for i, image in enumerate(self.images):
            families = families_by_image.get(image.name, [])
            allowed = set().union(*(readers.get(f, set()) for f in families))
            for j, account in enumerate(image.consumer_accounts):
                if account not in allowed:
                    served = ", ".join(families) or "none: no endpoint uses this image"
                    raise rule_error(
                        f"registry.images[{i}].consumerAccounts[{j}]",
                        f"account {account} reads no model family served from image "
                        f"'{image.name}' (families: {served}); add it to that family's "
                        "consumerAccounts or remove it here",
                    )
