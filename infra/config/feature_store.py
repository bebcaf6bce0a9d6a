"""`mlops-platform:featureStore` — SageMaker Feature Store groups."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigModel, ResourceName


class Feature(ConfigModel):
    """One typed feature of a feature group."""

    name: str = Field(description="Feature name as stored in the record.")
    type: Literal["String", "Integral", "Fractional"] = Field(description="SageMaker feature type.")


class OnlineStore(ConfigModel):
    """Low-latency online store of a feature group."""

    enabled: bool = Field(default=True, description="Create an online store.")
    ttl_days: int | None = Field(default=None, description="Expire online records after N days.")


class FeatureGroup(ConfigModel):
    """A SageMaker feature group, declared by its record schema."""

    name: ResourceName = Field(description="Feature group name (unique in the stack).")
    description: str | None = Field(default=None, description="Human description.")
    record_identifier: str = Field(description="Feature holding the record id.")
    event_time: str = Field(description="Feature holding the event time.")
    features: list[Feature] = Field(min_length=2, description="Typed feature definitions.")
    online_store: OnlineStore = Field(
        default_factory=OnlineStore, description="Online store settings."
    )
    offline_store: bool = Field(default=True, description="Write history to the offline store.")


class FeatureStoreConfig(ConfigModel):
    """Feature store: an encrypted offline-store bucket, a Glue database and feature groups."""

    feature_groups: list[FeatureGroup] = Field(
        default_factory=list, description="Feature groups to create."
    )
