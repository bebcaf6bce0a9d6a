"""Cluster autoscaler: plain Kubernetes objects plus a pod identity scoped to this cluster.

Plain objects rather than the Helm chart: every object is visible in the plan and
validated against the cluster's Kubernetes version, and nothing is fetched at deploy time.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..aws_context import AwsIdentity
from ..context import Deployment
from ..iam import POD_IDENTITY_SERVICE, service_role
from .identity import autoscaler_statements
from .node_groups import NODE_KIND_LABEL

NAME = "cluster-autoscaler"
NAMESPACE = "kube-system"

_READ = ["watch", "list", "get"]

# The upstream AWS auto-discovery manifest's permissions.
CLUSTER_RULES = [
    {"apiGroups": [""], "resources": ["events", "endpoints"], "verbs": ["create", "patch"]},
    {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["update"]},
    {
        "apiGroups": [""],
        "resources": ["endpoints"],
        "resourceNames": [NAME],
        "verbs": ["get", "update"],
    },
    {"apiGroups": [""], "resources": ["nodes"], "verbs": [*_READ, "update"]},
    {
        "apiGroups": [""],
        "resources": [
            "namespaces",
            "pods",
            "services",
            "replicationcontrollers",
            "persistentvolumeclaims",
            "persistentvolumes",
        ],
        "verbs": _READ,
    },
    {"apiGroups": ["extensions"], "resources": ["replicasets", "daemonsets"], "verbs": _READ},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["watch", "list"]},
    {
        "apiGroups": ["apps"],
        "resources": ["statefulsets", "replicasets", "daemonsets"],
        "verbs": _READ,
    },
    {
        "apiGroups": ["storage.k8s.io"],
        "resources": [
            "storageclasses",
            "csinodes",
            "csidrivers",
            "csistoragecapacities",
            "volumeattachments",
        ],
        "verbs": _READ,
    },
    {"apiGroups": ["batch", "extensions"], "resources": ["jobs"], "verbs": [*_READ, "patch"]},
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {
        "apiGroups": ["coordination.k8s.io"],
        "resourceNames": [NAME],
        "resources": ["leases"],
        "verbs": ["get", "update"],
    },
]
NAMESPACE_RULES = [
    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create", "list", "watch"]},
    {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
        "verbs": ["delete", "get", "update", "watch"],
    },
]


def autoscaler_command(cluster_name: pulumi.Input[str]) -> list[pulumi.Input[str]]:
    """Command line: discover this cluster's node groups by their EKS-managed tags."""
    return [
        "./cluster-autoscaler",
        "--cloud-provider=aws",
        pulumi.Output.concat(
            "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
            "k8s.io/cluster-autoscaler/",
            cluster_name,
        ),
        # Cheapest fit first: a small job does not wake a p5.
        "--expander=least-waste",
        "--balance-similar-node-groups",
        "--skip-nodes-with-system-pods=false",
        "--skip-nodes-with-local-storage=false",
        "--scale-down-unneeded-time=10m",
        "--stderrthreshold=info",
        "--v=2",
    ]


def cluster_autoscaler(
    name: str,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    physical_cluster_name: str,
    identity: AwsIdentity,
    image: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> k8s.apps.v1.Deployment:
    """ServiceAccount, RBAC and Deployment of the autoscaler, and its pod identity."""
    role = service_role(
        f"{name}-role",
        deployment,
        role_name=deployment.name("training", "autoscaler"),
        services=[POD_IDENTITY_SERVICE],
        parent=parent,
        statements=autoscaler_statements(
            cluster_name=physical_cluster_name,
            partition=identity.partition,
            region=deployment.region,
            account_id=identity.account_id,
        ),
        description="Cluster autoscaler: resizes the training cluster's node groups",
    )
    association = aws.eks.PodIdentityAssociation(
        f"{name}-pod-identity",
        cluster_name=cluster_name,
        namespace=NAMESPACE,
        service_account=NAME,
        role_arn=role.arn,
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )

    on_cluster = pulumi.ResourceOptions(parent=parent, provider=provider)
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "pulumi"}
    meta = {"name": NAME, "namespace": NAMESPACE, "labels": labels}
    account = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=meta, opts=on_cluster)
    cluster_role = k8s.rbac.v1.ClusterRole(
        f"{name}-cluster-role",
        metadata={"name": NAME, "labels": labels},
        rules=CLUSTER_RULES,
        opts=on_cluster,
    )
    namespace_role = k8s.rbac.v1.Role(
        f"{name}-rbac-role", metadata=meta, rules=NAMESPACE_RULES, opts=on_cluster
    )
    subjects = [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]
    bindings = [
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-cluster-binding",
            metadata={"name": NAME, "labels": labels},
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
            subjects=subjects,
            opts=on_cluster,
        ),
        k8s.rbac.v1.RoleBinding(
            f"{name}-binding",
            metadata=meta,
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            subjects=subjects,
            opts=on_cluster,
        ),
    ]
    return k8s.apps.v1.Deployment(
        name,
        metadata=meta,
        spec={
            "replicas": 1,
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
                },
                "spec": {
                    "serviceAccountName": NAME,
                    "priorityClassName": "system-cluster-critical",
                    "nodeSelector": {NODE_KIND_LABEL: "system"},
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": 65534,
                        "fsGroup": 65534,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": NAME,
                            "image": image,
                            "command": autoscaler_command(cluster_name),
                            "env": [{"name": "AWS_REGION", "value": deployment.region}],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "600Mi"},
                                "limits": {"memory": "600Mi"},
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }
                    ],
                },
            },
        },
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            depends_on=[*depends_on, association, account, cluster_role, namespace_role, *bindings],
        ),
    )
