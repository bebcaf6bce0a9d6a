"""EKS managed add-ons, their pod identities, and the encrypted default storage class."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..context import Deployment
from ..iam import POD_IDENTITY_SERVICE, service_role
from ..logs import encrypted_log_group
from ..output_values import concat
from .identity import EBS_CSI_POLICIES, VPC_CNI_POLICIES, ebs_csi_kms_statements
from .node_groups import NODE_KIND_LABEL

# Installed before any node joins: without the CNI and kube-proxy a node never becomes
# Ready, and pods scheduled before the identity agent runs get no credentials.
BEFORE_NODES = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
# Need running nodes to become ACTIVE.
AFTER_NODES = ("coredns", "aws-ebs-csi-driver")

_ON_SYSTEM_NODES = {NODE_KIND_LABEL: "system"}

# Add-on configuration (validated by EKS against each add-on's configuration schema).
ADDON_CONFIGURATION: dict[str, dict[str, object]] = {
    # Enforce NetworkPolicies: without it the team namespaces' default-deny is inert.
    "vpc-cni": {"enableNetworkPolicy": "true"},
    "coredns": {"nodeSelector": _ON_SYSTEM_NODES},
    "aws-ebs-csi-driver": {"controller": {"nodeSelector": _ON_SYSTEM_NODES}},
}


def _addon(
    resource_name: str,
    addon: str,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
    pod_identity: tuple[str, pulumi.Input[str]] | None = None,
) -> aws.eks.Addon:
    config = ADDON_CONFIGURATION.get(addon)
    return aws.eks.Addon(
        resource_name,
        cluster_name=cluster_name,
        addon_name=addon,
        configuration_values=json.dumps(config, sort_keys=True) if config else None,
        # The add-on owns its objects; later edits of its config win over drift in-cluster.
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        pod_identity_associations=(
            [{"service_account": pod_identity[0], "role_arn": pod_identity[1]}]
            if pod_identity
            else None
        ),
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


def addons_before_nodes(
    name: str,
    deployment: Deployment,
    *,
    cluster: aws.eks.Cluster,
    physical_cluster_name: str,
    parent: pulumi.Resource,
) -> dict[str, aws.eks.Addon]:
    """vpc-cni (with its own pod identity), kube-proxy, eks-pod-identity-agent."""
    cni_role = service_role(
        f"{name}-vpc-cni-role",
        deployment,
        role_name=f"{physical_cluster_name}-vpc-cni",
        services=[POD_IDENTITY_SERVICE],
        parent=parent,
        managed_policies=VPC_CNI_POLICIES,
        description="VPC CNI: manages pod ENIs and IPs of the training cluster",
    )
    return {
        addon: _addon(
            f"{name}-{addon}",
            addon,
            deployment,
            cluster_name=cluster.name,
            parent=parent,
            depends_on=cni_role.ready if addon == "vpc-cni" else [],
            pod_identity=("aws-node", cni_role.arn) if addon == "vpc-cni" else None,
        )
        for addon in BEFORE_NODES
    }


def addons_after_nodes(
    name: str,
    deployment: Deployment,
    *,
    cluster: aws.eks.Cluster,
    physical_cluster_name: str,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    node_groups: Sequence[pulumi.Resource],
    pod_identity_agent: aws.eks.Addon,
) -> dict[str, aws.eks.Addon]:
    """coredns and the EBS CSI driver (with a pod identity that may use the platform key)."""
    ebs_role = service_role(
        f"{name}-ebs-csi-role",
        deployment,
        role_name=f"{physical_cluster_name}-ebs-csi",
        services=[POD_IDENTITY_SERVICE],
        parent=parent,
        managed_policies=EBS_CSI_POLICIES,
        statements=ebs_csi_kms_statements(kms_key_arn),
        description="EBS CSI driver: creates KMS-encrypted volumes for training pods",
    )
    return {
        "coredns": _addon(
            f"{name}-coredns",
            "coredns",
            deployment,
            cluster_name=cluster.name,
            parent=parent,
            depends_on=node_groups,
        ),
        "aws-ebs-csi-driver": _addon(
            f"{name}-aws-ebs-csi-driver",
            "aws-ebs-csi-driver",
            deployment,
            cluster_name=cluster.name,
            parent=parent,
            depends_on=[*node_groups, pod_identity_agent, *ebs_role.ready],
            pod_identity=("ebs-csi-controller-sa", ebs_role.arn),
        ),
    }


def encrypted_storage_class(
    resource_name: str,
    *,
    kms_key_arn: pulumi.Input[str],
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.storage.v1.StorageClass:
    """The default storage class: gp3 volumes encrypted with the platform key.

    EKS marks no storage class as default since Kubernetes 1.30, so without this a
    PersistentVolumeClaim for checkpoints would stay Pending.
    """
    return k8s.storage.v1.StorageClass(
        resource_name,
        metadata={
            "name": "gp3-encrypted",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        provisioner="ebs.csi.aws.com",
        parameters={"type": "gp3", "encrypted": "true", "kmsKeyId": kms_key_arn},
        reclaim_policy="Delete",
        volume_binding_mode="WaitForFirstConsumer",
        allow_volume_expansion=True,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)),
    )


# Log groups the CloudWatch observability add-on writes to, per cluster.
CONTAINER_INSIGHTS_LOG_GROUPS = ("application", "dataplane", "host", "performance")
# The add-on, its role and log groups were created by the program's Monitoring component
# ("monitoring") before they moved here; aliases keep deployed stacks from replacing them.
_FORMER_PARENT = ("monitoring", "mlops:observability:Monitoring")


def _moved(old_name: str) -> pulumi.Alias:
    return pulumi.Alias(name=old_name, parent=pulumi.create_urn(*_FORMER_PARENT))


def observability_addon(
    name: str,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    log_retention_days: int,
    parent: pulumi.Resource,
    node_groups: Sequence[pulumi.Resource],
) -> aws.eks.Addon:
    """`amazon-cloudwatch-observability` (Container Insights metrics and logs).

    The CloudWatch agent gets its own pod identity rather than rights on the node role, so
    training pods on the same nodes cannot publish metrics or logs as it.
    """
    former = _FORMER_PARENT[0]
    role = service_role(
        f"{name}-cloudwatch-agent",
        deployment,
        role_name=deployment.name("cloudwatch-agent"),
        services=[POD_IDENTITY_SERVICE],
        parent=parent,
        managed_policies=["CloudWatchAgentServerPolicy"],
        description="CloudWatch agent of the training cluster (Container Insights).",
        # Deployed stacks have this attachment as `...-managed-0`.
        indexed_attachment_aliases=True,
        moved_from=(f"{former}-cloudwatch-agent", pulumi.create_urn(*_FORMER_PARENT)),
    )
    # Created first so the agent writes into groups with our key and retention instead
    # of creating unencrypted ones that never expire.
    log_groups = [
        encrypted_log_group(
            f"{name}-container-insights-{kind}",
            deployment,
            log_group_name=concat("/aws/containerinsights/", cluster_name, "/", kind),
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
            parent=parent,
            aliases=[_moved(f"{former}-container-insights-{kind}")],
        )
        for kind in CONTAINER_INSIGHTS_LOG_GROUPS
    ]
    return aws.eks.Addon(
        f"{name}-cloudwatch-observability",
        cluster_name=cluster_name,
        addon_name="amazon-cloudwatch-observability",
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        pod_identity_associations=[{"role_arn": role.arn, "service_account": "cloudwatch-agent"}],
        tags=deployment.tagged(),
        # Its agents only become ready on running nodes, and use the role at once.
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[*role.ready, *log_groups, *node_groups],
            aliases=[_moved(f"{former}-cloudwatch-observability")],
        ),
    )
