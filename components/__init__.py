"""Reusable Pulumi component resources for a secure MLOps platform on AWS."""

from .ci_access import CiAccess, CiAccessArgs
from .context import Deployment
from .network import ExistingVpcArgs, Network, NetworkArgs
from .platform_key import PlatformKey
from .secure_bucket import SecureBucket, SecureBucketArgs

__all__ = [
    "CiAccess",
    "CiAccessArgs",
    "Deployment",
    "ExistingVpcArgs",
    "Network",
    "NetworkArgs",
    "PlatformKey",
    "SecureBucket",
    "SecureBucketArgs",
]
