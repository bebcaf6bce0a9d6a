"""Training capacity and queueing of a TrainingCluster: Karpenter pools under Kueue.

Order on the cluster: the Karpenter chart (its CRDs) before any EC2NodeClass or NodePool;
the Kueue chart before its flavors and queues; each LocalQueue after its team's namespace.
EFA pools get their security and placement groups first, and the stack the EFA device
plugin once (none without an EFA pool).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..aws_context import AwsIdentity
from ..context import Deployment
from .args import TrainingClusterArgs
from .efa import EfaPlacement, efa_placement
from .efa_device_plugin import efa_device_plugin
from .karpenter import (
    DISCOVERY_TAG,
    KarpenterController,
    karpenter_chart_version,
    karpenter_controller,
    node_ami_alias,
)
from .karpenter_pools import karpenter_pool
from .kueue import kueue
from .pool_args import PoolArgs
from .training_operator import efa_runtime, training_operator


def cluster_name(deployment: Deployment) -> str:
    """Physical name of the stack's training cluster."""
    return deployment.name("training")


def discovery_tags(physical_cluster_name: str) -> dict[str, str]:
    """The tag by which the pools' node classes find the cluster's private subnets."""
    return {DISCOVERY_TAG: physical_cluster_name}


def _efa(
    name: str,
    pool: PoolArgs,
    args: TrainingClusterArgs,
    deployment: Deployment,
    physical_cluster_name: str,
    parent: pulumi.Resource,
) -> EfaPlacement | None:
    """An EFA pool's security group, placement group and subnet (None for other pools)."""
    if not pool.efa:
        return None
    if args.vpc_id is None:
        raise ValueError(f"pool '{pool.name}' uses EFA: the cluster args need the vpc_id")
    return efa_placement(
        name,
        deployment,
        physical_cluster_name=physical_cluster_name,
        pool_name=pool.name,
        vpc_id=args.vpc_id,
        private_subnet_ids=args.private_subnet_ids,
        parent=parent,
    )


def _node_pools(
    name: str,
    args: TrainingClusterArgs,
    deployment: Deployment,
    *,
    cluster: aws.eks.Cluster,
    physical_cluster_name: str,
    controller: KarpenterController,
    account_id: pulumi.Input[str],
    provider: k8s.Provider,
    parent: pulumi.Resource,
) -> list[k8s.apiextensions.CustomResource]:
    """Each pool's node class and NodePool; the EFA device plugin once there is an EFA pool."""
    ami_alias = node_ami_alias(args.kubernetes_version)
    node_pools = [
        karpenter_pool(
            f"{name}-pool-{pool.name}",
            pool if pool.ami_alias else dataclasses.replace(pool, ami_alias=ami_alias),
            discovery=discovery_tags(physical_cluster_name),
            security_group_id=cluster.vpc_config.cluster_security_group_id,
            role_name=controller.node_role_name,
            kms_key_arn=args.kms_key_arn,
            tags=deployment.tagged(),
            account_id=account_id,
            provider=provider,
            parent=parent,
            chart=controller.release,
            efa=_efa(
                f"{name}-pool-{pool.name}", pool, args, deployment, physical_cluster_name, parent
            ),
        )
        for pool in args.pools
    ]
    if any(pool.efa for pool in args.pools):
        efa_device_plugin(name, region=deployment.region, provider=provider, parent=parent)
    return node_pools


def pools_and_queues(
    name: str,
    args: TrainingClusterArgs,
    deployment: Deployment,
    *,
    cluster: aws.eks.Cluster,
    physical_cluster_name: str,
    identity: AwsIdentity,
    provider: k8s.Provider,
    team_namespaces: Mapping[str, pulumi.Resource],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> list[k8s.apiextensions.CustomResource]:
    """Karpenter (controller, pools), Kueue (queues per team) and the training operator;
    returns the NodePools."""
    if not args.pools:
        return []
    replicas = 2 if args.high_availability else 1
    controller = karpenter_controller(
        f"{name}-karpenter",
        deployment,
        cluster=cluster,
        physical_cluster_name=physical_cluster_name,
        identity=identity,
        kms_key_arn=args.kms_key_arn,
        chart_version=args.karpenter_chart_version
        or karpenter_chart_version(args.kubernetes_version),
        replicas=replicas,
        provider=provider,
        parent=parent,
        depends_on=depends_on,
    )
    node_pools = _node_pools(
        name,
        args,
        deployment,
        cluster=cluster,
        physical_cluster_name=physical_cluster_name,
        controller=controller,
        account_id=identity.account_id,
        provider=provider,
        parent=parent,
    )
    queues = kueue(
        name,
        args.queueing,
        replicas=replicas,
        pools=args.pools,
        teams=args.teams,
        team_namespaces=team_namespaces,
        provider=provider,
        parent=parent,
        depends_on=depends_on,
    )
    trainer = training_operator(name, provider=provider, parent=parent, depends_on=[queues])
    if any(pool.efa for pool in args.pools):
        efa_runtime(name, trainer=trainer, provider=provider, parent=parent)
    return node_pools
