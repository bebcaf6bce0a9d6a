"""Reusable Pulumi component resources for a secure MLOps platform on AWS."""

from .context import Deployment
from .network import ExistingVpcArgs, Network, NetworkArgs
from .platform_key import PlatformKey
from .secure_bucket import SecureBucket, SecureBucketArgs
from .training_cluster import NodeGroupArgs, TeamArgs, TrainingCluster, TrainingClusterArgs

__all__ = [
    "Deployment",
    "ExistingVpcArgs",
    "Network",
    "NetworkArgs",
    "NodeGroupArgs",
    "PlatformKey",
    "SecureBucket",
    "SecureBucketArgs",
    "TeamArgs",
    "TrainingCluster",
    "TrainingClusterArgs",
]
