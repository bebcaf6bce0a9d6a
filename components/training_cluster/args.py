"""Typed inputs of a TrainingCluster: plain data and `pulumi.Input`s, no stack config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from .pool_args import PoolArgs, QueueingArgs

NodeKind = Literal["system", "cpu", "gpu"]


@dataclass
class NodeGroupArgs:
    """One managed node group.

    Args:
        name: Node group name, unique in the cluster.
        kind: `system` runs the cluster add-ons (on-demand); `cpu` and `gpu` run training.
            GPU groups get the `nvidia.com/gpu=true:NoSchedule` taint, so only pods that
            ask for GPUs (and tolerate the taint) land on the expensive nodes.
        instance_types: EC2 instance types (one architecture, one GPU count).
        min_size: Minimum size; 0 lets the autoscaler remove every node of the group.
        desired_size: Size at creation; afterwards the autoscaler owns it.
        max_size: Maximum size.
        spot: Use spot capacity (interruptible, much cheaper for retryable training).
        disk_size_gib: Encrypted gp3 root volume size.
    """

    name: str
    kind: NodeKind
    instance_types: Sequence[str]
    min_size: int
    desired_size: int
    max_size: int
    spot: bool = False
    disk_size_gib: int = 100


@dataclass
class TeamArgs:
    """A team: its namespace, quotas and workload identity.

    Args:
        name: Team name; also its namespace.
        cpu_quota: Sum of CPU requests (cores) allowed in the namespace.
        memory_quota_gib: Sum of memory requests (GiB) allowed in the namespace.
        gpu_quota: Sum of `nvidia.com/gpu` requests allowed in the namespace.
        service_account: Service account the team's training pods run as; it is bound to
            the team's IAM role through EKS Pod Identity.
        s3_read_prefixes: Key prefixes readable in every workload bucket ('' = the bucket).
        s3_write_prefixes: Key prefixes writable in every workload bucket.
        distributed_training: Let the namespace run multi-node GPU training: containers may
            add `IPC_LOCK` (NCCL/EFA pin memory for RDMA), which Pod Security `baseline`
            forbids, so the namespace enforces `privileged` and warns and audits at
            `baseline`. Off by default.
        gpu_pool_quotas: Kueue GPU quota of the team's ClusterQueue per GPU pool (sum at
            most `gpu_quota`); pools not named get 0 and are reached by borrowing.
    """

    name: str
    cpu_quota: int
    memory_quota_gib: int
    gpu_quota: int = 0
    service_account: str = "training"
    s3_read_prefixes: Sequence[str] = ("",)
    s3_write_prefixes: Sequence[str] | None = None
    distributed_training: bool = False
    gpu_pool_quotas: Mapping[str, int] = field(default_factory=dict)

    @property
    def write_prefixes(self) -> Sequence[str]:
        return (
            self.s3_write_prefixes
            if self.s3_write_prefixes is not None
            else (f"teams/{self.name}/",)
        )


@dataclass
class TrainingClusterArgs:
    """Inputs of a TrainingCluster.

    Args:
        kubernetes_version: EKS Kubernetes version (`1.35`); also the version the rendered
            Kubernetes objects are written for.
        private_subnet_ids: Subnets of the control-plane ENIs and of every node group.
        kms_key_arn: Key for secrets envelope encryption, the control-plane log group, node
            root volumes and EBS volumes of the default storage class.
        node_groups: Managed node groups; at least one of kind `system`.
        teams: Teams with a namespace each.
        workload_bucket_arns: Buckets training workloads read (and write under their
            prefixes), e.g. the feature-store offline store and the artifact bucket.
        model_package_group_arns: Model package groups training workloads may describe and
            register model versions in.
        endpoint_public_access: Also expose the API endpoint publicly (to
            `public_access_cidrs` only). The private endpoint is always on.
        public_access_cidrs: CIDRs allowed to reach a public API endpoint.
        admin_role_arns: IAM roles granted cluster-admin through EKS access entries
            (break-glass administrators; pre-existing roles).
        cluster_creator_admin: Let EKS give the identity creating the cluster cluster-admin.
            Off, every admin comes from an access entry the program makes. EKS reads it at
            creation only: changing it replaces the cluster.
        kubernetes_objects: Apply the Kubernetes objects over the cluster API (team
            namespaces, storage class, device plugin, autoscaler). Off, only the AWS layer
            is made: the first deploy of a private cluster from outside its VPC.
        log_retention_days: Retention of the control-plane log group.
        support_type: EKS version support: `STANDARD` upgrades the cluster when standard
            support ends; `EXTENDED` keeps the version on paid extended support.
        autoscaler_image: Cluster-autoscaler image; defaults to the catalog's release
            matching the Kubernetes minor version.
        device_plugin_image: NVIDIA device plugin image.
        observability_addon: Install `amazon-cloudwatch-observability` (Container Insights
            metrics and logs, in pre-created encrypted log groups) once nodes run.
        pools: Karpenter node pools for training workloads (none: no Karpenter, no Kueue).
        karpenter_chart_version: Karpenter chart; defaults to the catalog's release for the
            Kubernetes minor version.
        queueing: Kueue settings, used when there are pools.
        high_availability: Run the Karpenter and Kueue controllers with two replicas.
        vpc_id: The cluster's VPC; needed by EFA pools (their security group lives there).
    """

    kubernetes_version: str
    private_subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    kms_key_arn: pulumi.Input[str]
    node_groups: Sequence[NodeGroupArgs]
    teams: Sequence[TeamArgs] = ()
    workload_bucket_arns: Sequence[pulumi.Input[str]] = ()
    model_package_group_arns: Sequence[pulumi.Input[str]] = ()
    endpoint_public_access: bool = False
    public_access_cidrs: Sequence[str] = ()
    admin_role_arns: Sequence[str] = ()
    cluster_creator_admin: bool = False
    kubernetes_objects: bool = True
    log_retention_days: int = 90
    support_type: Literal["STANDARD", "EXTENDED"] = "STANDARD"
    autoscaler_image: str | None = None
    device_plugin_image: str = "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"
    observability_addon: bool = True
    pools: Sequence[PoolArgs] = ()
    karpenter_chart_version: str | None = None
    queueing: QueueingArgs = field(default_factory=QueueingArgs)
    high_availability: bool = False
    vpc_id: pulumi.Input[str] | None = None
