"""The training cluster: EKS, node groups, add-ons and team namespaces (see `cluster.py`)."""

from .args import NodeGroupArgs, TeamArgs, TrainingClusterArgs
from .cluster import TrainingCluster

__all__ = ["NodeGroupArgs", "TeamArgs", "TrainingCluster", "TrainingClusterArgs"]
