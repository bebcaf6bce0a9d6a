"""Karpenter: the controller's AWS side (identity, node role, interruption queue) and its chart.

The system node group stays a managed node group (Karpenter must not run on nodes it
manages); training capacity comes from Karpenter's pools (`karpenter_pools.py`).

- The controller gets its AWS permissions through EKS Pod Identity, scoped to this cluster
  (`karpenter_iam.py`).
- Pool nodes run as their own node role with an `EC2_LINUX` access entry (managed node
  groups get theirs from EKS; Karpenter's nodes need one made for them).
- EventBridge sends spot interruptions, rebalance recommendations, instance state changes
  and scheduled health events to an encrypted SQS queue, so Karpenter drains a node before
  EC2 takes it away.
- The chart is pinned to the catalog's release for the cluster's Kubernetes minor version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .. import catalog
from ..aws_context import AwsIdentity
from ..context import Deployment
from ..helm_release import PinnedChart, pinned_release
from ..iam import POD_IDENTITY_SERVICE, policy_document, service_role
from ..output_values import concat
from .helm_values import KarpenterValues
from .identity import EKS_NODE_POLICIES
from .karpenter_iam import karpenter_statements
from .node_groups import NODE_KIND_LABEL
from .pool_args import KARPENTER_CHART

NAME = "karpenter"
NAMESPACE = "kube-system"
DISCOVERY_TAG = "karpenter.sh/discovery"

# EventBridge events Karpenter acts on (its documented interruption-handling set).
INTERRUPTION_EVENTS: dict[str, dict[str, list[str]]] = {
    "spot-interruption": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Spot Instance Interruption Warning"],
    },
    "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "state-change": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
    },
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
    # An interruptible capacity reservation reclaims its instances: Karpenter drains the
    # node and stops launching into that reservation. (Nodes of an ending Capacity Block
    # are drained by Karpenter itself, ten minutes before the block ends.)
    "capacity-reservation": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"],
    },
}


def node_ami_alias(kubernetes_version: str) -> str:
    """The pinned AL2023 AMI alias of the catalog's release for this Kubernetes minor.

    Never `al2023@latest`: Karpenter treats a newly published AMI as drift and replaces
    every node of the pool, a roll no change of the stack asked for.
    """
    version = catalog.kubernetes_version(kubernetes_version)
    if version is None or not version.eks_ami_release:
        raise ValueError(f"no EKS AMI release recorded for Kubernetes {kubernetes_version}")
    return f"al2023@{version.eks_ami_release}"


def karpenter_chart_version(kubernetes_version: str) -> str:
    """The Karpenter chart the catalog pins for this Kubernetes minor version."""
    version = catalog.kubernetes_version(kubernetes_version)
    if version is None or not version.karpenter_chart_version:
        raise ValueError(f"no Karpenter release recorded for Kubernetes {kubernetes_version}")
    return version.karpenter_chart_version


def karpenter_values(*, cluster_name: str, queue_name: str, replicas: int) -> KarpenterValues:
    """Chart values: this cluster and queue, controller pinned to the system nodes."""
    return {
        "serviceAccount": {"create": True, "name": NAME},
        "settings": {"clusterName": cluster_name, "interruptionQueue": queue_name},
        "controller": {
            "resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"memory": "1Gi"},
            }
        },
        "replicas": replicas,
        # On the managed system nodes: Karpenter must never consolidate away its own node.
        "nodeSelector": {NODE_KIND_LABEL: "system"},
        "dnsPolicy": "Default",
        "logLevel": "info",
        # CRD validation is done by the API server (CEL); no webhook to keep running.
        "webhook": {"enabled": False},
        "podDisruptionBudget": {"name": NAME, "maxUnavailable": 1},
    }


@dataclass
class KarpenterController:
    """What the pools need: the node role's name and the release their CRDs come from."""

    node_role_name: pulumi.Output[str]
    release: k8s.helm.v3.Release


def _queue(
    name: str,
    deployment: Deployment,
    physical: str,
    kms_key_arn: pulumi.Input[str],
    identity: AwsIdentity,
    parent: pulumi.Resource,
) -> aws.sqs.Queue:
    """The encrypted interruption queue, writable only by this account's EventBridge rules."""
    queue = aws.sqs.Queue(
        f"{name}-interruption",
        name=f"{physical}-karpenter",
        # Interruption notices are useless after two minutes; keep five.
        message_retention_seconds=300,
        kms_master_key_id=kms_key_arn,
        kms_data_key_reuse_period_seconds=300,
        tags=deployment.tagged(f"{physical}-karpenter"),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    rules = concat(
        "arn:",
        identity.partition,
        ":events:",
        deployment.region,
        ":",
        identity.account_id,
        ":rule/",
        physical,
        "-karpenter-*",
    )
    aws.sqs.QueuePolicy(
        f"{name}-interruption-policy",
        queue_url=queue.url,
        policy=policy_document(
            [
                {
                    "Sid": "EventBridgeRulesOfThisCluster",
                    "Effect": "Allow",
                    "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                    "Condition": {"ArnLike": {"aws:SourceArn": rules}},
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sqs:*",
                    "Resource": queue.arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ]
        ),
        opts=pulumi.ResourceOptions(parent=queue),
    )
    _interruption_rules(name, deployment, physical, queue)
    return queue


def _interruption_rules(
    name: str, deployment: Deployment, physical: str, queue: aws.sqs.Queue
) -> None:
    """One EventBridge rule per interruption event, each sending to the queue."""
    for key, pattern in INTERRUPTION_EVENTS.items():
        rule = aws.cloudwatch.EventRule(
            f"{name}-{key}",
            name=f"{physical}-karpenter-{key}",
            description=f"Karpenter interruption handling: {pattern['detail-type'][0]}",
            event_pattern=json.dumps(pattern, sort_keys=True),
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=queue),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-{key}",
            rule=rule.name,
            arn=queue.arn,
            target_id="karpenter-interruption-queue",
            opts=pulumi.ResourceOptions(parent=rule),
        )


def _node_role(
    name: str,
    deployment: Deployment,
    physical: str,
    cluster: aws.eks.Cluster,
    parent: pulumi.Resource,
) -> tuple[pulumi.Output[str], pulumi.Output[str], list[pulumi.Resource]]:
    """The pool node role and its EC2_LINUX access entry; returns (name, arn, ready)."""
    role = service_role(
        f"{name}-node-role",
        deployment,
        role_name=f"{physical}-karpenter-node",
        services=["ec2.amazonaws.com"],
        parent=parent,
        managed_policies=EKS_NODE_POLICIES,
        description="EC2 nodes Karpenter launches for the training cluster's pools",
    )
    entry = aws.eks.AccessEntry(
        f"{name}-node-access",
        cluster_name=cluster.name,
        principal_arn=role.arn,
        type="EC2_LINUX",
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )
    return role.name, role.arn, [*role.ready, entry]


def _controller_identity(
    name: str,
    deployment: Deployment,
    physical: str,
    cluster: aws.eks.Cluster,
    identity: AwsIdentity,
    *,
    node_role_arn: pulumi.Output[str],
    queue: aws.sqs.Queue,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.eks.PodIdentityAssociation:
    """The controller's role, bound to the `karpenter` service account by Pod Identity."""
    role = service_role(
        f"{name}-controller-role",
        deployment,
        role_name=f"{physical}-karpenter",
        services=[POD_IDENTITY_SERVICE],
        parent=parent,
        statements=karpenter_statements(
            cluster_name=physical,
            partition=identity.partition,
            region=deployment.region,
            account_id=identity.account_id,
            node_role_arn=node_role_arn,
            queue_arn=queue.arn,
            kms_key_arn=kms_key_arn,
        ),
        description="Karpenter controller: launches and removes the training cluster's pool nodes",
    )
    return aws.eks.PodIdentityAssociation(
        f"{name}-pod-identity",
        cluster_name=cluster.name,
        namespace=NAMESPACE,
        service_account=NAME,
        role_arn=role.arn,
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )


def karpenter_controller(
    name: str,
    deployment: Deployment,
    *,
    cluster: aws.eks.Cluster,
    physical_cluster_name: str,
    identity: AwsIdentity,
    kms_key_arn: pulumi.Input[str],
    chart_version: str,
    replicas: int,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> KarpenterController:
    """Node role, interruption queue, controller identity and the pinned Helm release."""
    physical = physical_cluster_name
    role_name, role_arn, node_ready = _node_role(name, deployment, physical, cluster, parent)
    queue = _queue(name, deployment, physical, kms_key_arn, identity, parent)
    association = _controller_identity(
        name,
        deployment,
        physical,
        cluster,
        identity,
        node_role_arn=role_arn,
        queue=queue,
        kms_key_arn=kms_key_arn,
        parent=parent,
    )
    values = karpenter_values(
        cluster_name=physical, queue_name=f"{physical}-karpenter", replicas=replicas
    )
    release = pinned_release(
        name,
        PinnedChart(NAME, KARPENTER_CHART, chart_version),
        namespace=NAMESPACE,
        values=values,
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            depends_on=[*depends_on, association, queue, *node_ready],
        ),
    )
    return KarpenterController(node_role_name=role_name, release=release)
