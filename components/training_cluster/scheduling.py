"""Training capacity and queueing of a TrainingCluster: Karpenter pools under Kueue.

Order on the cluster: the Karpenter chart (its CRDs) before any EC2NodeClass or NodePool;
the Kueue chart before its flavors and queues; each LocalQueue after its team's namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..aws_context import AwsIdentity
from ..context import Deployment
from .args import TrainingClusterArgs
from .karpenter import DISCOVERY_TAG, karpenter_chart_version, karpenter_controller
from .karpenter_pools import karpenter_pool
from .kueue import kueue
from .training_operator import training_operator


def cluster_name(deployment: Deployment) -> str:
    """Physical name of the stack's training cluster."""
    return deployment.name("training")


def discovery_tags(physical_cluster_name: str) -> dict[str, str]:
    """The tag by which the pools' node classes find the cluster's private subnets."""
    return {DISCOVERY_TAG: physical_cluster_name}


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
    node_pools = [
        karpenter_pool(
            f"{name}-pool-{pool.name}",
            pool,
            discovery=discovery_tags(physical_cluster_name),
            security_group_id=cluster.vpc_config.cluster_security_group_id,
            role_name=controller.node_role_name,
            kms_key_arn=args.kms_key_arn,
            tags=deployment.tagged(),
            provider=provider,
            parent=parent,
            chart=controller.release,
        )
        for pool in args.pools
    ]
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
    training_operator(name, provider=provider, parent=parent, depends_on=[queues])
    return node_pools
