"""Reusable Pulumi component resources for a secure MLOps platform on AWS.

The exported names are loaded on first use (PEP 562), so importing a provider-free part
of the package, such as `components.catalog`, does not load the Pulumi SDKs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Exported name -> submodule that defines it.
_EXPORTS = {
    "BaselineCopy": "baselines",
    "BaselineCopyArgs": "baselines",
    "CiAccess": "ci_access",
    "CiAccessArgs": "ci_access",
    "CiClusterAccess": "ci_cluster_access",
    "CiClusterAccessArgs": "ci_cluster_access",
    "CiRunner": "ci_runners",
    "CiRunnerArgs": "ci_runners",
    "Deployment": "context",
    "ExistingVpcArgs": "network",
    "FeatureArgs": "feature_store",
    "FeatureGroupArgs": "feature_store",
    "FeatureStore": "feature_store",
    "FeatureStoreArgs": "feature_store",
    "GpuObservability": "gpu_observability",
    "GpuObservabilityArgs": "gpu_observability",
    "Lifecycle": "lifecycle",
    "LifecycleArgs": "lifecycle",
    "MlflowArgs": "model_registry",
    "ModelFamilyArgs": "model_registry",
    "ModelRegistry": "model_registry",
    "ModelRegistryArgs": "model_registry",
    "Monitoring": "monitoring",
    "MonitoringArgs": "monitoring",
    "Network": "network",
    "NetworkArgs": "network",
    "NodeGroupArgs": "training_cluster",
    "PermissionsBoundary": "permissions_boundary",
    "PlatformKey": "platform_key",
    "Promotion": "promotion",
    "PromotionArgs": "promotion",
    "SecureBucket": "secure_bucket",
    "SecureBucketArgs": "secure_bucket",
    "ServingEndpoint": "serving_endpoint",
    "ServingEndpointArgs": "serving_endpoint",
    "ServingImageArgs": "model_registry",
    "TeamArgs": "training_cluster",
    "TrainingCluster": "training_cluster",
    "TrainingClusterArgs": "training_cluster",
}

__all__ = [
    "BaselineCopy",
    "BaselineCopyArgs",
    "CiAccess",
    "CiAccessArgs",
    "CiClusterAccess",
    "CiClusterAccessArgs",
    "CiRunner",
    "CiRunnerArgs",
    "Deployment",
    "ExistingVpcArgs",
    "FeatureArgs",
    "FeatureGroupArgs",
    "FeatureStore",
    "FeatureStoreArgs",
    "GpuObservability",
    "GpuObservabilityArgs",
    "Lifecycle",
    "LifecycleArgs",
    "MlflowArgs",
    "ModelFamilyArgs",
    "ModelRegistry",
    "ModelRegistryArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "NodeGroupArgs",
    "PermissionsBoundary",
    "PlatformKey",
    "Promotion",
    "PromotionArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "ServingEndpoint",
    "ServingEndpointArgs",
    "ServingImageArgs",
    "TeamArgs",
    "TrainingCluster",
    "TrainingClusterArgs",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from .baselines import BaselineCopy, BaselineCopyArgs
    from .ci_access import CiAccess, CiAccessArgs
    from .ci_cluster_access import CiClusterAccess, CiClusterAccessArgs
    from .ci_runners import CiRunner, CiRunnerArgs
    from .context import Deployment
    from .feature_store import FeatureArgs, FeatureGroupArgs, FeatureStore, FeatureStoreArgs
    from .gpu_observability import GpuObservability, GpuObservabilityArgs
    from .lifecycle import Lifecycle, LifecycleArgs
    from .model_registry import (
        MlflowArgs,
        ModelFamilyArgs,
        ModelRegistry,
        ModelRegistryArgs,
        ServingImageArgs,
    )
    from .monitoring import Monitoring, MonitoringArgs
    from .network import ExistingVpcArgs, Network, NetworkArgs
    from .permissions_boundary import PermissionsBoundary
    from .platform_key import PlatformKey
    from .promotion import Promotion, PromotionArgs
    from .secure_bucket import SecureBucket, SecureBucketArgs
    from .serving_endpoint import ServingEndpoint, ServingEndpointArgs
    from .training_cluster import NodeGroupArgs, TeamArgs, TrainingCluster, TrainingClusterArgs
