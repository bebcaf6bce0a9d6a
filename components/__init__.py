"""Reusable Pulumi component resources for a secure MLOps platform on AWS."""

from .context import Deployment
from .monitoring import Monitoring, MonitoringArgs
from .network import ExistingVpcArgs, Network, NetworkArgs
from .platform_key import PlatformKey
from .secure_bucket import SecureBucket, SecureBucketArgs
from .serving_endpoint import ServingEndpoint, ServingEndpointArgs

__all__ = [
    "Deployment",
    "ExistingVpcArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "PlatformKey",
    "SecureBucket",
    "SecureBucketArgs",
    "ServingEndpoint",
    "ServingEndpointArgs",
]
