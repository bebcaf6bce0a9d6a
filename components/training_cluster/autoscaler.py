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
from ..output_values import concat
from .identity import autoscaler_statements
from .node_groups import NODE_KIND_LABEL

NAME = "cluster-autoscaler"
NAMESPACE = "kube-system"

_READ = ["watch", "list", "get"]

# The upstream AWS auto-discovery manifest's permissions.
CLUSTER_RULES: list[k8s.rbac.v1.PolicyRuleArgsDict] = [
    {"api_groups": [""], "resources": ["events", "endpoints"], "verbs": ["create", "patch"]},
    {"api_groups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
    {"api_groups": [""], "resources": ["pods/status"], "verbs": ["update"]},
    {
        "api_groups": [""],
        "resources": ["endpoints"],
        "resource_names": [NAME],
        "verbs": ["get", "update"],
    },
    {"api_groups": [""], "resources": ["nodes"], "verbs": [*_READ, "update"]},
    {
        "api_groups": [""],
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
    {"api_groups": ["extensions"], "resources": ["replicasets", "daemonsets"], "verbs": _READ},
    {"api_groups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["watch", "list"]},
    {
        "api_groups": ["apps"],
        "resources": ["statefulsets", "replicasets", "daemonsets"],
        "verbs": _READ,
    },
    {
        "api_groups": ["storage.k8s.io"],
        "resources": [
            "storageclasses",
            "csinodes",
            "csidrivers",
            "csistoragecapacities",
            "volumeattachments",
        ],
        "verbs": _READ,
    },
    {"api_groups": ["batch", "extensions"], "resources": ["jobs"], "verbs": [*_READ, "patch"]},
    {"api_groups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
    {
        "api_groups": ["coordination.k8s.io"],
        "resource_names": [NAME],
        "resources": ["leases"],
        "verbs": ["get", "update"],
    },
]
NAMESPACE_RULES: list[k8s.rbac.v1.PolicyRuleArgsDict] = [
    {"api_groups": [""], "resources": ["configmaps"], "verbs": ["create", "list", "watch"]},
    {
        "api_groups": [""],
        "resources": ["configmaps"],
        "resource_names": ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
        "verbs": ["delete", "get", "update", "watch"],
    },
]


def autoscaler_command(cluster_name: pulumi.Input[str]) -> list[pulumi.Input[str]]:
    """Command line: discover this cluster's node groups by their EKS-managed tags."""
    return [
        "./cluster-autoscaler",
        "--cloud-provider=aws",
        concat(
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


LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "pulumi"}
# Typed ArgsDicts (snake_case keys, sent to the API camelCase) so every field is checked.
METADATA: k8s.meta.v1.ObjectMetaArgsDict = {"name": NAME, "namespace": NAMESPACE, "labels": LABELS}
CLUSTER_METADATA: k8s.meta.v1.ObjectMetaArgsDict = {"name": NAME, "labels": LABELS}


def _pod_identity(
    name: str,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    physical_cluster_name: str,
    identity: AwsIdentity,
    parent: pulumi.Resource,
) -> aws.eks.PodIdentityAssociation:
    """The autoscaler's IAM role, bound to its service account through EKS Pod Identity."""
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
    return aws.eks.PodIdentityAssociation(
        f"{name}-pod-identity",
        cluster_name=cluster_name,
        namespace=NAMESPACE,
        service_account=NAME,
        role_arn=role.arn,
        tags=deployment.tagged(),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=role.ready),
    )


def _access(name: str, on_cluster: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """ServiceAccount and the RBAC roles and bindings of the upstream manifest."""
    subjects: list[k8s.rbac.v1.SubjectArgsDict] = [
        {"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}
    ]
    return [
        k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=METADATA, opts=on_cluster),
        k8s.rbac.v1.ClusterRole(
            f"{name}-cluster-role",
            metadata=CLUSTER_METADATA,
            rules=CLUSTER_RULES,
            opts=on_cluster,
        ),
        k8s.rbac.v1.Role(
            f"{name}-rbac-role", metadata=METADATA, rules=NAMESPACE_RULES, opts=on_cluster
        ),
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-cluster-binding",
            metadata=CLUSTER_METADATA,
            role_ref={
                "api_group": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": NAME,
            },
            subjects=subjects,
            opts=on_cluster,
        ),
        k8s.rbac.v1.RoleBinding(
            f"{name}-binding",
            metadata=METADATA,
            role_ref={"api_group": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
            subjects=subjects,
            opts=on_cluster,
        ),
    ]


def _pod_spec(
    image: str, cluster_name: pulumi.Input[str], region: str
) -> k8s.core.v1.PodSpecArgsDict:
    """One non-root, read-only autoscaler container on the system nodes."""
    return {
        "service_account_name": NAME,
        "priority_class_name": "system-cluster-critical",
        "node_selector": {NODE_KIND_LABEL: "system"},
        "security_context": {
            "run_as_non_root": True,
            "run_as_user": 65534,
            "fs_group": 65534,
            "seccomp_profile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": NAME,
                "image": image,
                "command": autoscaler_command(cluster_name),
                "env": [{"name": "AWS_REGION", "value": region}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "600Mi"},
                    "limits": {"memory": "600Mi"},
                },
                "security_context": {
                    "allow_privilege_escalation": False,
                    "read_only_root_filesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
            }
        ],
    }


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
    association = _pod_identity(
        name,
        deployment,
        cluster_name=cluster_name,
        physical_cluster_name=physical_cluster_name,
        identity=identity,
        parent=parent,
    )
    access = _access(name, pulumi.ResourceOptions(parent=parent, provider=provider))
    spec: k8s.apps.v1.DeploymentSpecArgsDict = {
        "replicas": 1,
        "selector": {"match_labels": {"app.kubernetes.io/name": NAME}},
        "template": {
            "metadata": {
                "labels": LABELS,
                "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false"},
            },
            "spec": _pod_spec(image, cluster_name, deployment.region),
        },
    }
    return k8s.apps.v1.Deployment(
        name,
        metadata=METADATA,
        spec=spec,
        opts=pulumi.ResourceOptions(
            parent=parent,
            provider=provider,
            # Starts only once its credentials and permissions exist.
            depends_on=[*depends_on, association, *access],
        ),
    )
