"""EC2 quota classes of the GPU instance types training node groups use.

EC2 On-Demand and Spot quotas for accelerated instances are counted in vCPUs per family
class (G and VT, P), so preflight needs each type's class here and its vCPUs from the
catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components import catalog


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


def vcpus(instance_type: str) -> int | None:
    """vCPUs of an instance type from the catalog; None when the catalog lacks it."""
    spec = catalog.instance_type(instance_type)
    return spec.vcpus if spec else None
