"""EKS and its EC2 nodes: encrypted secrets, control-plane logs, a private API in prod,
IMDSv2-only launch templates."""

from __future__ import annotations

from collections.abc import Iterator

from .core import MANDATORY, Resource, as_list, dig, is_false, is_unknown, missing
from .registry import rule
from .resource_types import EKS_CLUSTER, LAUNCH_TEMPLATE

EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@rule(name="eks-secrets-encryption", level=MANDATORY, types={EKS_CLUSTER})
def check_eks_secrets_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    """EKS clusters encrypt Kubernetes secrets with KMS."""
    config = r.get("encryptionConfig")
    if is_unknown(config):
        return
    resources = dig(config, "resources")
    if not is_unknown(resources) and "secrets" not in as_list(resources):
        yield "cluster must encrypt Kubernetes secrets (encryptionConfig.resources ['secrets'])"
    elif missing(dig(config, "provider", "keyArn")):
        yield "cluster secrets encryption needs a KMS key (encryptionConfig.provider.keyArn)"


@rule(name="eks-control-plane-logging", level=MANDATORY, types={EKS_CLUSTER})
def check_eks_logging(r: Resource, environment: str | None) -> Iterator[str]:
    """EKS clusters send all five control-plane log types to CloudWatch."""
    enabled = r.get("enabledClusterLogTypes")
    if is_unknown(enabled):
        return
    absent = [t for t in EKS_LOG_TYPES if t not in as_list(enabled)]
    if absent:
        yield f"cluster must enable all control-plane log types (missing: {', '.join(absent)})"


@rule(name="eks-private-endpoint-prod", level=MANDATORY, types={EKS_CLUSTER})
def check_eks_private_endpoint(r: Resource, environment: str | None) -> Iterator[str]:
    """Prod EKS clusters have no public API endpoint."""
    if environment != "prod":
        return
    public = r.get("vpcConfig", "endpointPublicAccess")
    # AWS defaults the public endpoint to on: prod must switch it off explicitly.
    if not is_unknown(public) and not is_false(public):
        yield "prod cluster must set vpcConfig.endpointPublicAccess false (private API endpoint)"


@rule(name="launch-template-imdsv2", level=MANDATORY, types={LAUNCH_TEMPLATE})
def check_launch_template_imdsv2(r: Resource, environment: str | None) -> Iterator[str]:
    """Launch templates require IMDSv2 session tokens."""
    tokens = r.get("metadataOptions", "httpTokens")
    if not is_unknown(tokens) and tokens != "required":
        yield "launch template must require IMDSv2 (metadataOptions.httpTokens 'required')"
