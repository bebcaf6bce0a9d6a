"""`mlops-platform:featureStore` — SageMaker Feature Store groups.

The rules mirror what `CreateFeatureGroup` would refuse (names, types, reserved columns,
limits), so a bad group fails at `plan` time with its key path instead of minutes into a
deployment.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import ConfigModel, ResourceName, check_unique_names, rule_error

# SageMaker's FeatureName pattern (botocore model, CreateFeatureGroup), 1-64 characters.
FEATURE_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$")
# Columns the offline store adds to every record; a feature with one of these names is refused.
RESERVED_FEATURE_NAMES = frozenset({"is_deleted", "write_time", "api_invocation_time"})
MAX_FEATURES = 2500
# The API only requires >= 1; ten years is a sanity ceiling (longer means "keep": omit ttlDays).
MAX_TTL_DAYS = 3650
# Event time is an ISO-8601 string or a Unix timestamp in (fractional) seconds.
EVENT_TIME_TYPES = ("String", "Fractional")

FeatureType = Literal["String", "Integral", "Fractional"]


class Feature(ConfigModel):
    """One typed feature of a feature group."""

    name: str = Field(description="Feature name as stored in the record (SageMaker rules).")
    type: FeatureType = Field(description="SageMaker feature type: String, Integral, Fractional.")

    @field_validator("name")
    @classmethod
    def _sagemaker_name(cls, name: str) -> str:
        if len(name) > 64:
            raise ValueError(f"feature name '{name[:20]}...' is longer than 64 characters")
        if not FEATURE_NAME_PATTERN.match(name):
            raise ValueError(
                f"feature name '{name}' is refused by SageMaker: start with a letter or digit, "
                "then letters, digits, '-' or '_' (no spaces, not ending in '-' or '_')"
            )
        if name.lower() in RESERVED_FEATURE_NAMES:
            raise ValueError(
                f"feature name '{name}' is reserved by the offline store "
                f"({', '.join(sorted(RESERVED_FEATURE_NAMES))})"
            )
        return name


class OnlineStore(ConfigModel):
    """Low-latency online store of a feature group (KMS-encrypted)."""

    enabled: bool = Field(default=True, description="Create an online store.")
    ttl_days: int | None = Field(
        default=None,
        ge=1,
        le=MAX_TTL_DAYS,
        description=f"Hard-delete online records N days after their event time (1-{MAX_TTL_DAYS}).",
    )


class OfflineStore(ConfigModel):
    """Offline (historical) store in the feature-store bucket, catalogued in Glue."""

    enabled: bool = Field(default=True, description="Write record history to the offline store.")
    table_format: Literal["Glue", "Iceberg"] = Field(
        default="Glue", description="Table format of the offline store: Glue or Iceberg."
    )


class FeatureGroup(ConfigModel):
    """A SageMaker feature group, declared by its record schema."""

    name: ResourceName = Field(description="Feature group name (unique in the stack).")
    description: str | None = Field(
        default=None, max_length=128, description="Human description (up to 128 characters)."
    )
    record_identifier: str = Field(description="Feature holding the record id.")
    event_time: str = Field(description="Feature holding the event time (String or Fractional).")
    features: list[Feature] = Field(
        min_length=2,
        max_length=MAX_FEATURES,
        description=f"Typed feature definitions (2-{MAX_FEATURES}).",
    )
    online_store: OnlineStore = Field(
        default_factory=OnlineStore, description="Online store settings."
    )
    offline_store: OfflineStore = Field(
        default_factory=OfflineStore, description="Offline store settings."
    )

    @model_validator(mode="after")
    def _consistent_schema(self) -> FeatureGroup:
        # Offline-store columns (Glue/Athena) are case-insensitive, so "Amount" and "amount"
        # would collide there even though SageMaker accepts both.
        seen: dict[str, int] = {}
        for index, feature in enumerate(self.features):
            key = feature.name.lower()
            if key in seen:
                raise rule_error(
                    f"features[{index}].name",
                    f"duplicate feature name '{feature.name}' "
                    f"(already used by features[{seen[key]}], names are case-insensitive)",
                )
            seen[key] = index
        types = {f.name: f.type for f in self.features}
        known = ", ".join(types)
        if self.record_identifier not in types:
            raise rule_error(
                "recordIdentifier",
                f"'{self.record_identifier}' is not among the features ({known})",
            )
        if self.event_time not in types:
            raise rule_error(
                "eventTime", f"'{self.event_time}' is not among the features ({known})"
            )
        if self.event_time == self.record_identifier:
            raise rule_error("eventTime", "must be a different feature than recordIdentifier")
        if types[self.event_time] not in EVENT_TIME_TYPES:
            raise rule_error(
                "eventTime",
                f"feature '{self.event_time}' is {types[self.event_time]}; the event time must "
                "be String (ISO-8601) or Fractional (Unix seconds)",
            )
        if self.online_store.ttl_days is not None and not self.online_store.enabled:
            raise rule_error(
                "onlineStore.ttlDays", "is set but the online store is disabled (enabled: false)"
            )
        if not self.online_store.enabled and not self.offline_store.enabled:
            raise rule_error(
                "offlineStore.enabled",
                "a feature group needs an online or an offline store; both are disabled",
            )
        return self


class FeatureStoreConfig(ConfigModel):
    """Feature store: an encrypted offline-store bucket, a Glue database and feature groups."""

    feature_groups: list[FeatureGroup] = Field(
        default_factory=list, description="Feature groups to create."
    )

    @model_validator(mode="after")
    def _unique_groups(self) -> FeatureStoreConfig:
        check_unique_names(self.feature_groups, "featureGroups")
        return self
