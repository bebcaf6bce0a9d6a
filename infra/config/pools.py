"""`mlops-platform:training.pools` — Karpenter node pools for training workloads.

A pool is a Karpenter `NodePool` + `EC2NodeClass`: nodes appear when pods are pending and
go when they are empty or under-used, so a pool has no minimum size and costs nothing idle.
Its `limits` are the ceiling (and the cost estimate's bound); a GPU pool's `gpus` limit is
also the capacity the teams' Kueue GPU quotas on it must fit in.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from components import catalog

from .base import ConfigModel, ResourceName, rule_error
from .catalog_checks import check_instance_type, efa_gpu_types

# Karpenter durations: Go duration strings of seconds, minutes and hours.
Duration = Annotated[str, StringConstraints(pattern=r"^([0-9]+(s|m|h))+$")]


CapacityType = Literal["spot", "onDemand", "reserved"]
# EC2 tag keys and values as Karpenter's selector takes them (`*` matches any value).
ReservationTagKey = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ReservationTagValue = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def _on_demand() -> list[CapacityType]:
    return ["onDemand"]


class CapacityReservation(ConfigModel):
    """Capacity reservations of this account a pool may launch into: On-Demand Capacity
    Reservations or Capacity Blocks for ML, selected by id or by tags."""

    id: Annotated[str, StringConstraints(pattern=r"^cr-[0-9a-z]+$")] | None = Field(
        default=None, description="One reservation of this account by id (cr-...)."
    )
    tags: dict[ReservationTagKey, ReservationTagValue] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="Every reservation of this account with all these tags ('*' matches any "
        "value).",
    )
    instance_match_criteria: Literal["open", "targeted"] | None = Field(
        default=None, description="With tags: only reservations of this eligibility."
    )

    @model_validator(mode="after")
    def _one_selector(self) -> CapacityReservation:
        if (self.id is None) == (self.tags is None):
            raise rule_error("id", "name a reservation by id or by tags (one of the two)")
        if self.id is not None and self.instance_match_criteria is not None:
            raise rule_error("instanceMatchCriteria", "selects among tagged reservations; an id "
                             "names one already")  # fmt: skip
        return self


class PoolLimits(ConfigModel):
    """The most a pool may run at once, summed over its nodes."""

    cpu: int = Field(ge=1, description="vCPUs over all nodes of the pool.")
    memory_gib: int | None = Field(default=None, ge=1, description="Memory over all nodes.")
    gpus: int | None = Field(
        default=None, ge=1, description="nvidia.com/gpu over all nodes (required for gpu pools)."
    )


class PoolDisruption(ConfigModel):
    """How Karpenter may replace or remove the pool's nodes."""

    consolidation_policy: Literal["WhenEmpty", "WhenEmptyOrUnderutilized"] = Field(
        default="WhenEmptyOrUnderutilized",
        description="WhenEmpty removes only idle nodes; WhenEmptyOrUnderutilized also "
        "repacks pods onto fewer or cheaper nodes.",
    )
    consolidate_after: Duration = Field(
        default="5m", description="How long a node stays empty/under-used before it goes."
    )
    budget_percent: int = Field(
        default=10,
        ge=0,
        le=100,
        description="Share of the pool's nodes that may be disrupted at once (0 = none).",
    )
    expire_after: Duration | Literal["Never"] = Field(
        default="720h", description="Replace nodes after this age (fresh AMIs and patches)."
    )


class Pool(ConfigModel):
    """A Karpenter node pool (NodePool + EC2NodeClass)."""

    name: ResourceName = Field(description="Pool name (unique; also the Kueue flavor name).")
    kind: Literal["cpu", "gpu"] = Field(
        description="cpu or gpu; gpu nodes are tainted nvidia.com/gpu=true:NoSchedule."
    )
    instance_types: list[str] = Field(
        min_length=1, description="EC2 instance types Karpenter may launch (one architecture)."
    )
    capacity_types: list[CapacityType] = Field(
        default_factory=_on_demand,
        min_length=1,
        description="Capacity types; Karpenter prefers reserved, then spot, then onDemand. "
        "reserved launches only into the pool's capacityReservations.",
    )
    capacity_reservations: list[CapacityReservation] = Field(
        default_factory=list,
        max_length=30,
        description="Reservations of this account (ODCRs, Capacity Blocks) the pool's "
        "'reserved' capacity type launches into; their billing is outside the stack.",
    )
    limits: PoolLimits = Field(description="Ceiling of the pool (also the cost bound).")
    disruption: PoolDisruption = Field(
        default_factory=PoolDisruption, description="Consolidation and disruption budget."
    )
    disk_size_gib: int = Field(default=100, ge=20, le=16384, description="Root volume (gp3).")
    weight: int | None = Field(
        default=None, ge=1, le=100, description="Preference among pools that fit (higher first)."
    )
    efa: bool = Field(
        default=False,
        description="Multi-node GPU training over Elastic Fabric Adapter: every instance type "
        "must support EFA; nodes launch in one subnet and a cluster placement group, behind "
        "an all-traffic-to-itself security group, tainted vpc.amazonaws.com/efa so only jobs "
        "that tolerate it land there.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Pool:
        specs: list[catalog.InstanceSpec] = []
        for index, name in enumerate(self.instance_types):
            try:
                spec = check_instance_type(name, "ec2")
            except ValueError as exc:
                raise rule_error(f"instanceTypes[{index}]", str(exc)) from None
            if spec.is_gpu != (self.kind == "gpu"):
                want = "GPU" if self.kind == "gpu" else "non-GPU"
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{name}' does not fit a {self.kind} pool (it takes {want} instance types)",
                )
            if name in self.instance_types[:index]:
                raise rule_error(f"instanceTypes[{index}]", f"'{name}' is listed twice")
            if specs and spec.architecture != specs[0].architecture:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{name}' is {spec.architecture} but '{specs[0].name}' is "
                    f"{specs[0].architecture}; one pool runs one AMI architecture",
                )
            specs.append(spec)
        self._check_efa(specs)
        if len(set(self.capacity_types)) != len(self.capacity_types):
            raise rule_error("capacityTypes", "lists a capacity type twice")
        self._check_reservations()
        if self.kind == "gpu" and self.limits.gpus is None:
            raise rule_error("limits.gpus", "a gpu pool needs a GPU limit")
        if self.kind == "cpu" and self.limits.gpus is not None:
            raise rule_error("limits.gpus", "a cpu pool launches no GPUs; remove the limit")
        return self

    def _check_reservations(self) -> None:
        """`reserved` and the reservations it launches into come together."""
        reserved = "reserved" in self.capacity_types
        if reserved and not self.capacity_reservations:
            raise rule_error(
                "capacityReservations",
                "capacityTypes lists 'reserved'; name the reservations the pool may use "
                "(by id or tags)",
            )
        if self.capacity_reservations and not reserved:
            raise rule_error(
                "capacityTypes",
                "the pool names capacityReservations but Karpenter launches into them only "
                "with the capacity type 'reserved'; add it",
            )
        ids = [r.id for r in self.capacity_reservations]
        for index, reservation_id in enumerate(ids):
            if reservation_id is not None and reservation_id in ids[:index]:
                raise rule_error(f"capacityReservations[{index}].id", "is listed twice")

    def _check_efa(self, specs: list[catalog.InstanceSpec]) -> None:
        """An EFA pool is a GPU pool of EFA-capable types only (per the catalog)."""
        if not self.efa:
            return
        if self.kind != "gpu":
            raise rule_error(
                "efa", f"EFA pools are for multi-node GPU training; this pool is '{self.kind}'"
            )
        for index, spec in enumerate(specs):
            if not spec.efa_interfaces:
                raise rule_error(
                    f"instanceTypes[{index}]",
                    f"'{spec.name}' does not support EFA (EFA GPU types here: "
                    f"{', '.join(efa_gpu_types()) or 'none'})",
                )

    @property
    def gpu_capacity(self) -> int:
        """GPUs the pool can hold at its limits (0 for cpu pools)."""
        return self.limits.gpus or 0

    def max_nodes(self) -> int:
        """Nodes of the smallest listed type that fit in the limits (the bound on node count)."""
        specs = [s for s in (catalog.instance_type(t) for t in self.instance_types) if s]
        smallest = min(specs, key=lambda s: s.vcpus)
        bounds = [self.limits.cpu // smallest.vcpus]
        if self.limits.gpus and smallest.gpus:
            bounds.append(self.limits.gpus // smallest.gpus)
        return max(0, min(bounds))


def resolve_gpu_quotas(
    pools: list[Pool], team_name: str, gpu_quota: int, by_pool: dict[str, int] | None, where: str
) -> dict[str, int]:
    """The team's Kueue GPU quota per GPU pool; raises a rule error naming `where`.

    Without `gpuQuotas`, a team's whole `gpuQuota` goes to the only GPU pool; with several
    GPU pools the split must be named, since no default split is right for every team.
    """
    gpu_pools = [p.name for p in pools if p.kind == "gpu"]
    if by_pool is None:
        if gpu_quota == 0 or not gpu_pools:
            return {}
        if len(gpu_pools) > 1:
            raise rule_error(
                f"{where}.gpuQuotas",
                f"team '{team_name}' has gpuQuota {gpu_quota} and there are several gpu pools "
                f"({', '.join(gpu_pools)}); split it per pool, e.g. gpuQuotas: "
                f"{{{gpu_pools[0]}: {gpu_quota}}}",
            )
        return {gpu_pools[0]: gpu_quota}
    for pool in by_pool:
        if pool not in gpu_pools:
            raise rule_error(
                f"{where}.gpuQuotas.{pool}",
                f"'{pool}' is not a gpu pool (gpu pools: {', '.join(gpu_pools) or 'none'})",
            )
    if sum(by_pool.values()) > gpu_quota:
        raise rule_error(
            f"{where}.gpuQuotas",
            f"adds up to {sum(by_pool.values())} GPUs, above the namespace ceiling "
            f"gpuQuota {gpu_quota}",
        )
    return {pool: count for pool, count in by_pool.items() if count}


def check_pool_capacity(pools: list[Pool], quotas: dict[str, dict[str, int]]) -> None:
    """The teams' GPU quotas on a pool fit in the pool's GPU limit (borrowing aside)."""
    for index, pool in enumerate(pools):
        total = sum(team.get(pool.name, 0) for team in quotas.values())
        if total > pool.gpu_capacity and pool.kind == "gpu":
            raise rule_error(
                f"pools[{index}].limits.gpus",
                f"{pool.gpu_capacity} GPUs, but the teams' gpuQuotas on '{pool.name}' add up "
                f"to {total}; raise the limit or lower the quotas",
            )
