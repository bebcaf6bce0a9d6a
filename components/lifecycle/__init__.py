"""The ML lifecycle loop: retraining pipelines, their triggers, and batch inference."""

from .args import BatchArgs, DriftArgs, LifecycleArgs, PipelineArgs
from .component import Lifecycle

__all__ = ["BatchArgs", "DriftArgs", "Lifecycle", "LifecycleArgs", "PipelineArgs"]
