"""Team namespaces: quotas, default limits, network isolation and a workload identity."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..context import Deployment
from ..iam import POD_IDENTITY_SERVICE, service_role
from .args import TeamArgs
from .identity import workload_statements
from .node_groups import GPU_RESOURCE

# Where a pod gets its EKS Pod Identity credentials: the agent on its node.
POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32"
TEAM_LABEL = "mlops-platform/team"

# Requests a container gets when it names none, so every pod counts against the quota
# (a quota on requests.* rejects pods without requests).
DEFAULT_REQUEST = {"cpu": "500m", "memory": "1Gi"}


def container_defaults(team: TeamArgs) -> k8s.core.v1.LimitRangeItemArgsDict:
    """The LimitRange item giving containers their default requests and memory limit.

    A container that requests memory but sets no limit gets the default limit, and the API
    server rejects a limit below the request. So the default limit is the team's whole
    memory quota: no request the quota admits can exceed it. No default CPU limit: CPU
    limits throttle training for no benefit when the quota already caps requests.
    """
    return {
        "type": "Container",
        "default_request": DEFAULT_REQUEST,
        "default": {"memory": f"{team.memory_quota_gib}Gi"},
    }


def pod_security_labels(team: TeamArgs) -> dict[str, str]:
    """Pod Security admission labels of the team's namespace.

    Training images often run as root; `baseline` still blocks host access. A namespace
    for distributed training must allow `IPC_LOCK`, which only `privileged` admits; it
    keeps warning and auditing at `baseline`, so every exception is visible.
    """
    if team.distributed_training:
        return {
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/warn": "baseline",
            "pod-security.kubernetes.io/audit": "baseline",
        }
    return {
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
    }


def quota_hard(team: TeamArgs) -> dict[str, str]:
    """The team's ResourceQuota; a GPU quota of 0 keeps the team off GPU nodes."""
    return {
        "requests.cpu": str(team.cpu_quota),
        "requests.memory": f"{team.memory_quota_gib}Gi",
        f"requests.{GPU_RESOURCE}": str(team.gpu_quota),
    }


def network_policies() -> dict[str, k8s.networking.v1.NetworkPolicySpecArgsDict]:
    """Specs of the team's NetworkPolicies, keyed by name.

    Everything is denied, then allowed back: DNS to CoreDNS, traffic between the team's
    own pods (distributed training), HTTPS out (S3, SageMaker, ECR and STS through the VPC
    endpoints and NAT), and the node-local pod identity agent.
    """
    everything: k8s.meta.v1.LabelSelectorArgsDict = {}  # an empty selector selects every pod
    return {
        "default-deny": {"pod_selector": everything, "policy_types": ["Ingress", "Egress"]},
        "allow-dns": {
            "pod_selector": everything,
            "policy_types": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespace_selector": {
                                "match_labels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "pod_selector": {"match_labels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
        "allow-same-namespace": {
            "pod_selector": everything,
            "policy_types": ["Ingress", "Egress"],
            "ingress": [{"from_": [{"pod_selector": everything}]}],
            "egress": [{"to": [{"pod_selector": everything}]}],
        },
        "allow-https-egress": {
            "pod_selector": everything,
            "policy_types": ["Egress"],
            "egress": [
                {
                    "to": [{"ip_block": {"cidr": "0.0.0.0/0"}}],
                    "ports": [{"protocol": "TCP", "port": 443}],
                },
                {
                    "to": [{"ip_block": {"cidr": POD_IDENTITY_AGENT_CIDR}}],
                    "ports": [{"protocol": "TCP", "port": 80}],
                },
            ],
        },
    }


class TeamNamespace(pulumi.ComponentResource):
    """One team's slice of the training cluster.

    A Namespace (baseline pod security enforced), a ResourceQuota on CPU, memory and
    `nvidia.com/gpu` requests, a LimitRange giving containers default requests, default-deny
    NetworkPolicies with narrow allowances, and a ServiceAccount bound through EKS Pod
    Identity to an IAM role that reaches only the team's data prefixes and the model
    package groups.

    TrainingCluster creates one per `TeamArgs`; it can also be used on its own against any
    EKS cluster and Kubernetes provider.

    Args:
        team: The team (quotas, service account, S3 prefixes).
        cluster_name: EKS cluster of the pod identity association.
        physical_cluster_name: Plain cluster name; prefix of the team's role name.
        provider: Provider of the cluster the objects are applied to.
        kms_key_arn: Key of the workload buckets (used through S3 only).
        workload_bucket_arns: Buckets the team reads and writes under its prefixes.
        model_package_group_arns: Model package groups the team may register versions in.

    Outputs:
        namespace: Namespace name.
        service_account: Service account of the team's training pods.
        role_arn: IAM role of the team's workloads.
    """

    namespace: pulumi.Output[str]
    service_account: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        team: TeamArgs,
        deployment: Deployment,
        *,
        cluster_name: pulumi.Input[str],
        physical_cluster_name: str,
        provider: k8s.Provider,
        kms_key_arn: pulumi.Input[str],
        workload_bucket_arns: Sequence[pulumi.Input[str]],
        model_package_group_arns: Sequence[pulumi.Input[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:training:TeamNamespace", name, None, opts)
        labels = {TEAM_LABEL: team.name, "app.kubernetes.io/managed-by": "pulumi"}
        namespace = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata={"name": team.name, "labels": {**labels, **pod_security_labels(team)}},
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgsDict:
            # Naming the namespace through its output orders every object after it.
            return {"name": object_name, "namespace": namespace.metadata.name, "labels": labels}

        in_namespace = pulumi.ResourceOptions(parent=namespace, provider=provider)
        self._guardrails(name, team, meta, in_namespace)
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=meta(team.service_account),
            # Pod Identity mounts its own token; training code needs no Kubernetes API token.
            automount_service_account_token=False,
            opts=in_namespace,
        )
        role_arn = self._workload_identity(
            name,
            team,
            deployment,
            cluster_name=cluster_name,
            physical_cluster_name=physical_cluster_name,
            kms_key_arn=kms_key_arn,
            workload_bucket_arns=workload_bucket_arns,
            model_package_group_arns=model_package_group_arns,
        )

        self.namespace = namespace.metadata.name
        self.service_account = account.metadata.name
        self.role_arn = role_arn
        self.register_outputs(
            {
                "namespace": self.namespace,
                "service_account": self.service_account,
                "role_arn": self.role_arn,
            }
        )

    @staticmethod
    def _guardrails(
        name: str,
        team: TeamArgs,
        meta: Callable[[str], k8s.meta.v1.ObjectMetaArgsDict],
        in_namespace: pulumi.ResourceOptions,
    ) -> None:
        """The namespace's ResourceQuota, LimitRange and NetworkPolicies."""
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=meta("team-quota"),
            spec={"hard": quota_hard(team)},
            opts=in_namespace,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta("container-defaults"),
            spec={"limits": [container_defaults(team)]},
            opts=in_namespace,
        )
        for policy, spec in network_policies().items():
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy}",
                metadata=meta(policy),
                spec=spec,
                opts=in_namespace,
            )

    def _workload_identity(
        self,
        name: str,
        team: TeamArgs,
        deployment: Deployment,
        *,
        cluster_name: pulumi.Input[str],
        physical_cluster_name: str,
        kms_key_arn: pulumi.Input[str],
        workload_bucket_arns: Sequence[pulumi.Input[str]],
        model_package_group_arns: Sequence[pulumi.Input[str]],
    ) -> pulumi.Output[str]:
        """The IAM role of the team's pods, bound to its service account by Pod Identity.

        The role reaches the team's data prefixes and model registration only.
        """
        statements = workload_statements(
            bucket_arns=workload_bucket_arns,
            read_prefixes=list(team.s3_read_prefixes),
            write_prefixes=list(team.write_prefixes),
            model_package_group_arns=model_package_group_arns,
            kms_key_arn=kms_key_arn,
            region=deployment.region,
        )
        role = service_role(
            f"{name}-role",
            deployment,
            role_name=f"{physical_cluster_name}-{team.name}",
            services=[POD_IDENTITY_SERVICE],
            parent=self,
            statements=statements,
            description=f"Training workloads of team {team.name}",
        )
        aws.eks.PodIdentityAssociation(
            f"{name}-pod-identity",
            cluster_name=cluster_name,
            namespace=team.name,
            service_account=team.service_account,
            role_arn=role.arn,
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=role.ready),
        )
        return role.arn
