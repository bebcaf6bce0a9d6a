"""EFA pools: what Elastic Fabric Adapter needs around a Karpenter pool's nodes.

- A security group admitting all traffic to and from itself (ingress and egress, every
  protocol): EFA's OS-bypass traffic is dropped unless the interfaces' group allows it.
  Nothing else is admitted (no CIDR rules); the node class adds it, by tag, beside the
  cluster security group.
- A `cluster` placement group: nodes packed close together in one AZ for the lowest
  latency between them. The node class selects it by name.
- One subnet: OS-bypass traffic does not cross subnets, and a cluster placement group
  lives in one AZ, so the pool launches only in the cluster's first private subnet.

- Unlimited locked memory for containers: RDMA pins its buffers, and containers inherit
  containerd's `RLIMIT_MEMLOCK` (the AL2023 base runtime spec sets only `RLIMIT_NOFILE`).
  The node class's user data (a shell part Karpenter merges with its own NodeConfig,
  run before nodeadm starts containerd) raises containerd's limit on EFA nodes only.

Karpenter attaches the EFA interfaces itself when pending pods request
`vpc.amazonaws.com/efa` (one per network card, up to the type's maximum); the device plugin
(`efa_device_plugin.py`) advertises them on the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..context import Deployment

EFA_RESOURCE = "vpc.amazonaws.com/efa"
EFA_TAINT = {"key": EFA_RESOURCE, "value": "true", "effect": "NoSchedule"}
EFA_LABEL = "mlops-platform/efa"
# The tag by which an EFA pool's node class finds its security group.
EFA_SECURITY_GROUP_TAG = "mlops-platform/efa-pool"
# AWS types an EFA pool adds (with the Kubernetes layer, like the rest of Karpenter's side).
EFA_RESOURCE_TYPES = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:ec2/placementGroup:PlacementGroup",
)


# MIME multi-part, as Karpenter expects user data of the AL2023 AMI family.
EFA_USER_DATA = """\
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="//"

--//
Content-Type: text/x-shellscript; charset="us-ascii"

#!/bin/bash
set -euo pipefail
mkdir -p /etc/systemd/system/containerd.service.d
cat > /etc/systemd/system/containerd.service.d/50-efa-memlock.conf <<'UNIT'
[Service]
LimitMEMLOCK=infinity
UNIT
systemctl daemon-reload
systemctl try-restart containerd
--//--
"""


@dataclass
class EfaPlacement:
    """What an EFA pool's EC2NodeClass selects: its security group (by tag), its placement
    group (by name) and its one subnet (by id)."""

    security_group_tags: dict[str, str]
    placement_group_name: pulumi.Output[str]
    subnet_id: pulumi.Output[str]
    resources: list[pulumi.Resource]


def efa_physical_name(physical_cluster_name: str, pool_name: str) -> str:
    """Name of an EFA pool's security group and placement group."""
    return f"{physical_cluster_name}-{pool_name}-efa"


def _self_referencing_group(
    name: str,
    deployment: Deployment,
    physical: str,
    vpc_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.ec2.SecurityGroup:
    """The group with one ingress and one egress rule: all protocols, from/to itself."""
    group = aws.ec2.SecurityGroup(
        f"{name}-efa",
        name=physical,
        description="EFA: all traffic between the pool's nodes, nothing else",
        vpc_id=vpc_id,
        # Without inline rules the provider removes AWS's default allow-all egress rule.
        tags=deployment.tagged(physical, **{EFA_SECURITY_GROUP_TAG: physical}),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    child = pulumi.ResourceOptions(parent=group)
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-efa-from-self",
        security_group_id=group.id,
        referenced_security_group_id=group.id,
        ip_protocol="-1",
        description="EFA: all traffic from the pool's own nodes",
        tags=deployment.tagged(),
        opts=child,
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-efa-to-self",
        security_group_id=group.id,
        referenced_security_group_id=group.id,
        ip_protocol="-1",
        description="EFA: all traffic to the pool's own nodes",
        tags=deployment.tagged(),
        opts=child,
    )
    return group


def efa_placement(
    name: str,
    deployment: Deployment,
    *,
    physical_cluster_name: str,
    pool_name: str,
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    parent: pulumi.Resource,
) -> EfaPlacement:
    """The pool's security group, cluster placement group and subnet."""
    physical = efa_physical_name(physical_cluster_name, pool_name)
    group = _self_referencing_group(name, deployment, physical, vpc_id, parent)
    placement = aws.ec2.PlacementGroup(
        f"{name}-placement",
        name=physical,
        strategy="cluster",
        tags=deployment.tagged(physical),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    subnets = pulumi.Output.from_input(private_subnet_ids)
    return EfaPlacement(
        security_group_tags={EFA_SECURITY_GROUP_TAG: physical},
        placement_group_name=placement.name,
        subnet_id=subnets.apply(lambda ids: ids[0]),
        resources=[group, placement],
    )
