"""Advisory cost guards: instance types within the environment's allow-list, short log
retention in dev."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .core import ADVISORY, Resource, is_unknown
from .registry import rule
from .resource_types import LOG_GROUP

DEV_MAX_LOG_RETENTION_DAYS = 30

_SIZE = re.compile(r"^(?:(?P<n>\d+)?xlarge|(?P<word>nano|micro|small|medium|large|metal))$")
_SMALL_SIZES = {"nano": 0.125, "micro": 0.25, "small": 0.5, "medium": 0.75, "large": 0.9}

GENERAL_FAMILIES = frozenset(
    {
        *("t2", "t3", "t3a", "t4g"),
        *("m4", "m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g"),
        *("c4", "c5", "c5a", "c6i", "c6a", "c6g", "c7i", "c7a", "c7g"),
        *("r5", "r5a", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g"),
    }
)
SMALL_GPU_FAMILIES = frozenset({"g4dn", "g5", "g6"})


@dataclass(frozen=True)
class InstanceAllowList:
    """Instance families an environment may use, up to a largest size (None: any size)."""

    families: frozenset[str]
    max_xlarge: float | None

    def allows(self, instance_type: str) -> bool:
        family, size = split_instance_type(instance_type)
        # Local-NVMe ("d") and network-optimised ("n") variants cost like their base family.
        base = family
        while base not in self.families and base[-1:] in ("d", "n") and len(base) > 2:
            base = base[:-1]
        if base not in self.families:
            return False
        return self.max_xlarge is None or (size is not None and size <= self.max_xlarge)

    def describe(self) -> str:
        largest = "any size" if self.max_xlarge is None else f"up to {int(self.max_xlarge)}xlarge"
        return f"{', '.join(sorted(self.families))}; {largest}"


INSTANCE_ALLOW_LISTS: dict[str, InstanceAllowList] = {
    "dev": InstanceAllowList(GENERAL_FAMILIES | SMALL_GPU_FAMILIES, 4),
    "staging": InstanceAllowList(
        GENERAL_FAMILIES | SMALL_GPU_FAMILIES | {"g6e", "inf1", "inf2"}, 12
    ),
    "prod": InstanceAllowList(
        GENERAL_FAMILIES
        | SMALL_GPU_FAMILIES
        | {"g6e", "inf1", "inf2", "trn1", "trn2", "p4d", "p4de", "p5", "p5e", "p5en"},
        None,
    ),
}


def split_instance_type(instance_type: str) -> tuple[str, float | None]:
    """("g5", 2.0) for "ml.g5.2xlarge"; size in multiples of xlarge (metal: infinity)."""
    parts = instance_type.removeprefix("ml.").split(".")
    family = parts[0]
    size_match = _SIZE.match(parts[1]) if len(parts) > 1 else None
    if size_match is None:
        return family, None
    if size_match["word"] == "metal":
        return family, float("inf")
    if size_match["word"]:
        return family, _SMALL_SIZES[size_match["word"]]
    return family, float(size_match["n"] or 1)


def instance_types(inputs: Any) -> Iterator[str]:
    """Every `instanceType` / `instanceTypes` value anywhere in the inputs."""
    if isinstance(inputs, Mapping):
        for key, value in inputs.items():
            if key == "instanceType" and isinstance(value, str):
                yield value
            elif key == "instanceTypes" and isinstance(value, list | tuple):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from instance_types(value)
    elif isinstance(inputs, list | tuple):
        for value in inputs:
            yield from instance_types(value)


@rule(name="instance-type-allow-list", level=ADVISORY)
def check_instance_types(r: Resource, environment: str | None) -> Iterator[str]:
    """Instance types stay within the environment's allow-list (cost guard)."""
    allow = INSTANCE_ALLOW_LISTS.get(environment or "")
    if allow is None:
        return
    for instance_type in instance_types(r.inputs):
        if not allow.allows(instance_type):
            yield (
                f"instance type {instance_type} is outside the {environment} allow-list "
                f"({allow.describe()})"
            )


@rule(
    name="dev-log-retention",
    level=ADVISORY,
    types={LOG_GROUP},
    description=f"Dev log groups keep logs at most {DEV_MAX_LOG_RETENTION_DAYS} days.",
)
def check_dev_log_retention(r: Resource, environment: str | None) -> Iterator[str]:
    if environment != "dev":
        return
    days = r.get("retentionInDays")
    if is_unknown(days):
        return
    if not days:
        yield "dev log group never expires: set retentionInDays (30 days or less)"
    elif days > DEV_MAX_LOG_RETENTION_DAYS:
        yield f"dev log group keeps logs {days} days (more than {DEV_MAX_LOG_RETENTION_DAYS})"
