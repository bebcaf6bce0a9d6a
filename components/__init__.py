"""Reusable Pulumi component resources for a secure MLOps platform on AWS."""

from .ci_access import CiAccess, CiAccessArgs
from .context import Deployment
from .feature_store import FeatureArgs, FeatureGroupArgs, FeatureStore, FeatureStoreArgs
from .model_registry import (
    MlflowArgs,
    ModelFamilyArgs,
    ModelRegistry,
    ModelRegistryArgs,
    ServingImageArgs,
)
from .monitoring import Monitoring, MonitoringArgs
from .network import ExistingVpcArgs, Network, NetworkArgs
from .platform_key import PlatformKey
from .secure_bucket import SecureBucket, SecureBucketArgs
from .serving_endpoint import ServingEndpoint, ServingEndpointArgs
from .training_cluster import NodeGroupArgs, TeamArgs, TrainingCluster, TrainingClusterArgs

__all__ = [
    "CiAccess",
    "CiAccessArgs",
    "Deployment",
    "ExistingVpcArgs",
    "FeatureArgs",
    "FeatureGroupArgs",
    "FeatureStore",
    "FeatureStoreArgs",
    "MlflowArgs",
    "ModelFamilyArgs",
    "ModelRegistry",
    "ModelRegistryArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "NodeGroupArgs",
    "PlatformKey",
    "SecureBucket",
    "SecureBucketArgs",
    "ServingEndpoint",
    "ServingEndpointArgs",
    "ServingImageArgs",
    "TeamArgs",
    "TrainingCluster",
    "TrainingClusterArgs",
]
