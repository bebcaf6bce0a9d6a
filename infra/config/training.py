"""`mlops-platform:training` — the EKS training cluster."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import ConfigModel, IamRoleArn, ResourceName


class NodeGroup(ConfigModel):
    """A managed node group."""

    name: ResourceName = Field(description="Node group name (unique in the cluster).")
    kind: Literal["system", "cpu", "gpu"] = Field(
        description="system: cluster add-ons (on-demand); cpu/gpu: training workloads."
    )
    instance_types: list[str] = Field(min_length=1, description="EC2 instance types.")
    capacity: Literal["onDemand", "spot"] = Field(
        default="onDemand", description="On-demand or spot capacity."
    )
    min: int = Field(default=0, ge=0, description="Minimum size.")
    desired: int = Field(default=0, ge=0, description="Desired size at creation.")
    max: int = Field(default=1, ge=1, description="Maximum size.")
    disk_size_gib: int = Field(default=100, ge=20, le=16384, description="Root volume (gp3).")


class Team(ConfigModel):
    """A team that gets its own namespace, quotas and workload identity."""

    name: ResourceName = Field(description="Team name, also its namespace.")
    cpu_quota: int = Field(default=64, ge=1, description="Requested CPU cores, summed.")
    memory_quota_gib: int = Field(default=256, ge=1, description="Requested memory, summed.")
    gpu_quota: int = Field(default=0, ge=0, description="Requested nvidia.com/gpu, summed.")


class TrainingConfig(ConfigModel):
    """EKS cluster for CPU and GPU training."""

    kubernetes_version: str = Field(default="1.33", description="EKS Kubernetes version.")
    endpoint_public_access: bool | None = Field(
        default=None,
        description="Expose the API endpoint publicly (never in prod). Default: dev only.",
    )
    public_access_cidrs: list[str] = Field(
        default_factory=list, description="CIDRs allowed to reach a public API endpoint."
    )
    admin_role_arns: list[IamRoleArn] = Field(
        default_factory=list, description="IAM roles granted cluster-admin access entries."
    )
    node_groups: list[NodeGroup] = Field(default_factory=list, description="Node groups.")
    teams: list[Team] = Field(default_factory=list, description="Teams with namespaces.")
