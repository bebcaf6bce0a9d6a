"""`mlops-platform:training` — the EKS training cluster.

A stack without node groups has no training cluster. With node groups, the rules below
catch what EKS, EC2 or the cluster autoscaler would otherwise reject (or silently accept
and mis-schedule) only at deploy time.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from components import catalog

from .base import ConfigModel, IamRoleArn, ResourceName, check_unique_names, rule_error
from .catalog_checks import check_instance_type, check_kubernetes_version, check_support_type
from .environments import EnvironmentProfile
from .pools import Pool, check_pool_capacity, resolve_gpu_quotas

# A new stack gets the newest version in the catalog; the catalog's calendar decides which
# versions a stack may name on the day it is validated.
DEFAULT_KUBERNETES_VERSION = catalog.kubernetes_versions()[-1].version

# Namespaces Kubernetes itself owns; a team namespace must not take them over.
RESERVED_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})

_RFC1918 = tuple(
    ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)

# An S3 key prefix: '' (the whole bucket) or path segments ending in '/'. No wildcards, so
# an IAM policy built from it grants exactly the prefix named.
S3Prefix = Annotated[str, StringConstraints(pattern=r"^([A-Za-z0-9!_.()'-]+/)*$", max_length=512)]
DnsLabel = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]


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
    # EKS caps a managed node group at 450 nodes (service quota "Nodes per managed node
    # group"); the API model has no upper bound, so the limit is written here.
    min: int = Field(default=0, ge=0, le=450, description="Minimum size.")
    desired: int = Field(default=0, ge=0, le=450, description="Desired size at creation.")
    max: int = Field(default=1, ge=1, le=450, description="Maximum size.")
    disk_size_gib: int = Field(default=100, ge=20, le=16384, description="Root volume (gp3).")

    @model_validator(mode="after")
    def _consistent(self) -> NodeGroup:
        parsed = []
        for index, name in enumerate(self.instance_types):
            try:
                parsed.append(check_instance_type(name, "ec2"))
            except ValueError as exc:
                raise rule_error(f"instanceTypes[{index}]", str(exc)) from None
        for index, itype in enumerate(parsed):
            if self.kind == "gpu" and not itype.is_gpu:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{itype.name}' has no NVIDIA GPU; a gpu group takes only GPU instance "
                    f"types ({', '.join(_gpu_families())})",
                )
            if self.kind != "gpu" and itype.is_gpu:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{itype.name}' is a GPU instance type; put it in a node group of kind "
                    f"'gpu' (this one is '{self.kind}')",
                )
            if itype.name in self.instance_types[:index]:
                raise rule_error(f"instanceTypes[{index}]", f"'{itype.name}' is listed twice")
            if itype.architecture != parsed[0].architecture:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{itype.name}' is {itype.architecture} but '{parsed[0].name}' is "
                    f"{parsed[0].architecture}; one node group runs one AMI architecture",
                )
            if itype.gpus != parsed[0].gpus:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{itype.name}' has {itype.gpus} GPUs but '{parsed[0].name}' has "
                    f"{parsed[0].gpus}; the autoscaler sizes a group from one GPU count",
                )
        if self.kind == "system" and self.capacity != "onDemand":
            raise rule_error(
                "capacity", "system node groups run cluster add-ons and must be 'onDemand'"
            )
        if self.min > self.max:
            raise rule_error("min", f"min ({self.min}) is larger than max ({self.max})")
        if self.desired < self.min:
            raise rule_error("desired", f"desired ({self.desired}) is below min ({self.min})")
        if self.desired > self.max:
            raise rule_error("desired", f"desired ({self.desired}) is above max ({self.max})")
        return self

    @property
    def gpus_per_node(self) -> int:
        spec = catalog.instance_type(self.instance_types[0])
        return spec.gpus if spec else 0


def _gpu_families() -> list[str]:
    """Admitted families with NVIDIA GPUs, for messages."""
    specs = (catalog.instance_type(name) for name in catalog.instance_table()["types"])
    gpu = {spec.family for spec in specs if spec and spec.is_gpu}
    return [family for family in catalog.families() if family in gpu]


class Team(ConfigModel):
    """A team that gets its own namespace, quotas and workload identity."""

    name: ResourceName = Field(description="Team name, also its namespace.")
    # Upper bounds: more than any cluster of 450-node groups of the largest instances holds.
    cpu_quota: int = Field(
        default=64, ge=1, le=1_000_000, description="Requested CPU cores, summed."
    )
    memory_quota_gib: int = Field(
        default=256, ge=1, le=100_000_000, description="Requested memory, summed."
    )
    gpu_quota: int = Field(
        default=0, ge=0, le=100_000, description="Requested nvidia.com/gpu, summed."
    )
    gpu_quotas: dict[ResourceName, Annotated[int, Field(ge=0)]] | None = Field(
        default=None,
        description="Kueue GPU quota per gpu pool (sum <= gpuQuota); default: the whole "
        "gpuQuota on the only gpu pool.",
    )
    service_account: DnsLabel = Field(
        default="training", description="Service account training pods run as."
    )
    s3_read_prefixes: list[S3Prefix] = Field(
        default_factory=lambda: [""],
        description="Key prefixes the team may read in the workload buckets ('' = all).",
    )
    s3_write_prefixes: list[S3Prefix] | None = Field(
        default=None,
        description="Key prefixes the team may write in the workload buckets "
        "(default: 'teams/<name>/').",
    )
    distributed_training: bool = Field(
        default=False,
        description="Allow multi-node GPU training in the namespace: containers may add "
        "IPC_LOCK (Pod Security enforces 'privileged', warns and audits at 'baseline').",
    )

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_NAMESPACES or name.startswith("kube-"):
            raise ValueError(f"'{name}' is a namespace Kubernetes reserves")
        return name

    @model_validator(mode="after")
    def _default_write_prefix(self) -> Team:
        if self.s3_write_prefixes is None:
            self.s3_write_prefixes = [f"teams/{self.name}/"]
        for index, prefix in enumerate(self.s3_write_prefixes):
            if prefix == "":
                raise rule_error(
                    f"s3WritePrefixes[{index}]",
                    "write access to a whole bucket is not allowed; name a prefix "
                    f"such as 'teams/{self.name}/'",
                )
        return self


class TrainingConfig(ConfigModel):
    """EKS cluster for CPU and GPU training (none when `nodeGroups` is empty)."""

    kubernetes_version: str = Field(
        default=DEFAULT_KUBERNETES_VERSION,
        description="EKS Kubernetes version; must be supported by EKS on the day of the run.",
    )
    support_type: Literal["STANDARD", "EXTENDED"] = Field(
        default="STANDARD",
        description="EKS version support: STANDARD upgrades the cluster when standard support "
        "ends (and is refused once it has); EXTENDED keeps the version on paid extended support.",
    )
    endpoint_public_access: bool | None = Field(
        default=None,
        description="Expose the API endpoint publicly, to publicAccessCidrs only. Default: "
        "dev when publicAccessCidrs are given, otherwise private.",
    )
    public_access_cidrs: list[ipaddress.IPv4Network] = Field(
        default_factory=list, description="CIDRs allowed to reach a public API endpoint."
    )
    admin_role_arns: list[IamRoleArn] = Field(
        default_factory=list,
        description="Break-glass administrators: IAM roles granted cluster-admin access "
        "entries (the CI roles get theirs from ciRunners).",
    )
    cluster_creator_admin: bool = Field(
        default=False,
        description="Let EKS make the identity that creates the cluster a cluster admin. "
        "Off: admins come only from access entries the program makes. EKS reads it only at "
        "creation, so changing it replaces the cluster: a cluster created with it keeps "
        "true (README 'First deploy of a private cluster').",
    )
    kubernetes_objects: bool = Field(
        default=True,
        description="Apply the Kubernetes objects (team namespaces, storage class, device "
        "plugin, autoscaler) over the cluster API. false: the AWS layer only, for the first "
        "deploy of a private cluster from outside its VPC (README 'First deploy of a "
        "private cluster'); never on a stack that has them (they would be deleted).",
    )
    node_groups: list[NodeGroup] = Field(default_factory=list, description="Node groups.")
    pools: list[Pool] = Field(
        default_factory=list,
        description="Karpenter node pools for training (scale from zero); teams queue on "
        "them through Kueue.",
    )
    teams: list[Team] = Field(default_factory=list, description="Teams with namespaces.")

    @field_validator("kubernetes_version", mode="before")
    @classmethod
    def _supported_version(cls, version: object) -> object:
        if isinstance(version, bool) or not isinstance(version, str | int | float):
            return version  # the str type reports it
        return check_kubernetes_version(str(version)).version

    @model_validator(mode="after")
    def _consistent(self) -> TrainingConfig:
        try:
            check_support_type(self.kubernetes_version, self.support_type)
        except ValueError as exc:
            raise rule_error("supportType", str(exc)) from None
        check_unique_names(self.node_groups, "nodeGroups")
        check_unique_names(self.teams, "teams")
        for index, arn in enumerate(self.admin_role_arns):
            if arn in self.admin_role_arns[:index]:
                raise rule_error(f"adminRoleArns[{index}]", f"'{arn}' is listed twice")
        for index, cidr in enumerate(self.public_access_cidrs):
            if any(cidr.subnet_of(private) for private in _RFC1918):
                raise rule_error(
                    f"publicAccessCidrs[{index}]",
                    f"{cidr} is a private range; the public endpoint only sees public source "
                    "addresses (clients inside the VPC use the private endpoint)",
                )
            if cidr in self.public_access_cidrs[:index]:
                raise rule_error(f"publicAccessCidrs[{index}]", f"{cidr} is listed twice")
        # Public only when asked for with an allow-list; dev's public default needs CIDRs.
        if self.endpoint_public_access is None and not self.public_access_cidrs:
            self.endpoint_public_access = False

        if not self.node_groups:
            if self.teams or self.pools:
                key = "teams" if self.teams else "pools"
                raise rule_error(key, f"{key} need a cluster: add nodeGroups")
            return self
        check_unique_names(self.pools, "pools")
        check_pool_capacity(self.pools, self.team_gpu_quotas())
        if not any(group.kind == "system" for group in self.node_groups):
            raise rule_error(
                "nodeGroups", "needs a node group of kind 'system' for the cluster add-ons"
            )
        capacity = self.max_gpus
        for index, team in enumerate(self.teams):
            if team.gpu_quota > capacity:
                raise rule_error(
                    f"teams[{index}].gpuQuota",
                    f"{team.gpu_quota} GPUs exceeds what the gpu node groups can ever hold "
                    f"({capacity} at their max size)",
                )
        return self

    @property
    def enabled(self) -> bool:
        """Whether the stack has a training cluster."""
        return bool(self.node_groups)

    @property
    def max_gpus(self) -> int:
        """GPUs in the cluster when every gpu node group is at its max size."""
        groups = sum(g.max * g.gpus_per_node for g in self.node_groups if g.kind == "gpu")
        return groups + sum(p.gpu_capacity for p in self.pools)

    def team_gpu_quotas(self) -> dict[str, dict[str, int]]:
        """Team -> gpu pool -> the team's Kueue GPU quota on that pool."""
        return {
            team.name: resolve_gpu_quotas(
                self.pools, team.name, team.gpu_quota, team.gpu_quotas, f"teams[{index}]"
            )
            for index, team in enumerate(self.teams)
        }


def check_training_for_environment(
    training: TrainingConfig, environment: str, env: EnvironmentProfile
) -> None:
    """Rules that depend on the environment kind; paths start at `training`.

    Called by the root model after environment defaults are applied.
    """
    public = bool(training.endpoint_public_access)
    if public and not training.public_access_cidrs:
        raise rule_error(
            "training.publicAccessCidrs",
            "a public API endpoint needs an allow-list of CIDRs (publicAccessCidrs)",
        )
    if not public and training.public_access_cidrs:
        raise rule_error(
            "training.publicAccessCidrs",
            f"has no effect on a private API endpoint ({environment} defaults to private; "
            "set endpointPublicAccess: true or remove the CIDRs)",
        )
    # In no environment may the cluster API be open to the whole internet.
    for index, cidr in enumerate(training.public_access_cidrs):
        # A few very wide ranges (0.0.0.0/1 + 128.0.0.0/1) are the internet too.
        if cidr.prefixlen < 8:
            raise rule_error(
                f"training.publicAccessCidrs[{index}]",
                f"{cidr} opens the {environment} API endpoint to the internet; name your ranges",
            )
    if not training.enabled:
        return
    minimum = env.system_on_demand_min
    if minimum and not any(
        g.kind == "system" and g.capacity == "onDemand" and g.min >= minimum
        for g in training.node_groups
    ):
        index, _ = next((i, g) for i, g in enumerate(training.node_groups) if g.kind == "system")
        raise rule_error(
            f"training.nodeGroups[{index}].min",
            f"{environment} needs an on-demand system node group with min >= {minimum}, so "
            f"cluster add-ons run on nodes in at least {minimum} AZs",
        )
    if env.gpu_scale_from_zero:
        for index, group in enumerate(training.node_groups):
            if group.kind == "gpu" and group.min > 0:
                raise rule_error(
                    f"training.nodeGroups[{index}].min",
                    f"{environment} GPU node groups scale from zero (min 0, got {group.min})",
                )
