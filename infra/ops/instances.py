"""vCPU counts and EC2 quota classes of the GPU instance types training node groups use.

EC2 On-Demand and Spot quotas for accelerated instances are counted in vCPUs per family
class (G and VT, P), so preflight needs each type's vCPUs. The table lists the types a
training stack realistically asks for; an unlisted `<family>.<n>xlarge` is estimated from
its size (4 vCPUs per xlarge, true for every current x86 GPU family) and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SIZES = {
    "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48,
    "16xlarge": 64, "24xlarge": 96, "48xlarge": 192,
}  # fmt: skip

VCPUS: dict[str, int] = {
    **{
        f"g4dn.{s}": _SIZES[s]
        for s in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
    },
    "g4dn.metal": 96,
    **{f"g5.{s}": v for s, v in _SIZES.items()},
    **{f"g6.{s}": v for s, v in _SIZES.items()},
    **{f"g6e.{s}": v for s, v in _SIZES.items()},
    "p3.2xlarge": 8,
    "p3.8xlarge": 32,
    "p3.16xlarge": 64,
    "p3dn.24xlarge": 96,
    "p4d.24xlarge": 96,
    "p4de.24xlarge": 96,
    "p5.48xlarge": 192,
    "p5e.48xlarge": 192,
    "p5en.48xlarge": 192,
    "vt1.3xlarge": 12,
    "vt1.6xlarge": 24,
    "vt1.24xlarge": 96,
}


@dataclass(frozen=True)
class Ec2Quota:
    """An EC2 vCPU quota in Service Quotas."""

    code: str
    name: str


# Quota per (family class, capacity). AWS's Spot documentation also lists P4/P3/P2 and P5
# Spot quotas separately; only L-7212CCBC is checked for P Spot here.
EC2_GPU_QUOTAS: dict[tuple[str, str], Ec2Quota] = {
    ("G and VT", "onDemand"): Ec2Quota("L-DB2E81BA", "Running On-Demand G and VT instances"),
    ("P", "onDemand"): Ec2Quota("L-417A185B", "Running On-Demand P instances"),
    ("G and VT", "spot"): Ec2Quota("L-3819A6DF", "All G and VT Spot Instance Requests"),
    ("P", "spot"): Ec2Quota("L-7212CCBC", "All P Spot Instance Requests"),
}

_FAMILY = re.compile(r"^([a-z]+)\d")


def gpu_class(instance_type: str) -> str | None:
    """'G and VT' or 'P' for accelerated EC2 types counted by those quotas, else None."""
    match = _FAMILY.match(instance_type.removeprefix("ml."))
    if not match:
        return None
    letters = match.group(1)
    if letters in ("g", "gr", "vt"):
        return "G and VT"
    if letters == "p":
        return "P"
    return None


def vcpus(instance_type: str) -> tuple[int | None, bool]:
    """(vCPUs, exact). exact is False when estimated from the size; None when unknown."""
    if instance_type in VCPUS:
        return VCPUS[instance_type], True
    size = instance_type.partition(".")[2]
    if size in _SIZES:
        return _SIZES[size], False
    return None, False
