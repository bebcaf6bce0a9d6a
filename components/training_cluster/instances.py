"""What the training cluster knows about EC2 instance types: family, architecture, GPUs.

Plain data with no Pulumi import, so the stack-config schema can check instance types with
exactly the knowledge the component uses to pick AMI types and autoscaler tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Architecture = Literal["x86_64", "arm64"]

# General-purpose, compute- and memory-optimised families that EKS AL2023 AMIs support.
CPU_FAMILIES: dict[str, Architecture] = {
    **dict.fromkeys(
        (
            "t3", "t3a", "m5", "m5a", "m6i", "m6a", "m7i", "m7a",
            "c5", "c5a", "c6i", "c6a", "c7i", "c7a", "r5", "r5a", "r6i", "r6a", "r7i", "r7a",
        ),
        "x86_64",
    ),
    **dict.fromkeys(
        ("t4g", "m6g", "m7g", "m8g", "c6g", "c7g", "c8g", "r6g", "r7g", "r8g"), "arm64"
    ),
}  # fmt: skip

# NVIDIA GPUs per instance, by family and size. Only sizes that exist are listed, so a typo
# such as `g5.3xlarge` is caught before AWS rejects the node group.
GPU_INSTANCES: dict[str, dict[str, int]] = {
    "g5": {
        "xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1,
        "12xlarge": 4, "24xlarge": 4, "48xlarge": 8,
    },
    "g6": {
        "xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1,
        "12xlarge": 4, "24xlarge": 4, "48xlarge": 8,
    },
    "g6e": {
        "xlarge": 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1,
        "12xlarge": 4, "24xlarge": 4, "48xlarge": 8,
    },
    "p4d": {"24xlarge": 8},
    "p5": {"4xlarge": 1, "48xlarge": 8},
}  # fmt: skip

GPU_FAMILIES = frozenset(GPU_INSTANCES)

_INSTANCE_TYPE = re.compile(r"^(?P<family>[a-z][a-z0-9-]*?)\.(?P<size>[a-z0-9-]+)$")
_CPU_SIZE = re.compile(r"^(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(-\d+xl)?)$")


class InstanceTypeError(ValueError):
    """An instance type the cluster cannot use; the message says why."""


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type as the cluster sees it."""

    name: str
    family: str
    architecture: Architecture
    gpus: int

    @property
    def is_gpu(self) -> bool:
        return self.gpus > 0


def parse_instance_type(name: str) -> InstanceType:
    """Look up an instance type. Raises InstanceTypeError for malformed or unknown ones."""
    match = _INSTANCE_TYPE.match(name)
    if match is None:
        raise InstanceTypeError(f"'{name}' is not an instance type (expected family.size)")
    family, size = match["family"], match["size"]
    if family in GPU_INSTANCES:
        sizes = GPU_INSTANCES[family]
        if size not in sizes:
            raise InstanceTypeError(f"'{name}' does not exist ({family} sizes: {', '.join(sizes)})")
        return InstanceType(name, family, "x86_64", sizes[size])
    if family in CPU_FAMILIES:
        if not _CPU_SIZE.match(size):
            raise InstanceTypeError(f"'{name}' has an unknown size '{size}'")
        return InstanceType(name, family, CPU_FAMILIES[family], 0)
    known = ", ".join(sorted({*CPU_FAMILIES, *GPU_INSTANCES}))
    raise InstanceTypeError(f"unknown instance family '{family}' in '{name}' (known: {known})")


def ami_type(instance_types: list[str] | tuple[str, ...]) -> str:
    """The EKS AL2023 AMI type for a node group of these (compatible) instance types."""
    parsed = [parse_instance_type(name) for name in instance_types]
    if any(t.is_gpu for t in parsed):
        return "AL2023_x86_64_NVIDIA"
    if parsed[0].architecture == "arm64":
        return "AL2023_ARM_64_STANDARD"
    return "AL2023_x86_64_STANDARD"
