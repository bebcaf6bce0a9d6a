"""What every rule works on: the resource model, unknown values and value helpers.

A rule sees what the Pulumi engine sees: a resource's type token, its camelCase inputs, its
protect flag (and retainOnDelete where the runner knows it), plus the environment the stack
deploys to. Values the engine does not know yet (outputs of resources not created, during
preview) arrive as `UNKNOWN`. A rule never reports a violation it cannot prove, so an unknown
value passes; `pulumi up` evaluates the rules again once the values are known.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Level = Literal["mandatory", "advisory"]
MANDATORY: Level = "mandatory"
ADVISORY: Level = "advisory"


class _Unknown:
    """A value that is computed by the cloud and not known during preview."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Resource:
    """A resource as a rule sees it.

    Args:
        type: Type token, e.g. `aws:s3/bucket:Bucket`.
        inputs: camelCase inputs as the engine sees them; unknown values are `UNKNOWN`.
        urn: The resource's URN (findings point at it).
        name: Logical name.
        protect: The `protect` resource option.
        retain_on_delete: The `retainOnDelete` option, or None when the runner cannot see it
            (the policy pack API does not expose it).
        dependencies: URNs this resource depends on.
        property_dependencies: URNs each input depends on, where the runner knows them.
    """

    type: str
    inputs: Mapping[str, Any]
    urn: str = ""
    name: str = ""
    protect: bool = False
    retain_on_delete: bool | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_plan(cls, resource: Mapping[str, Any]) -> Resource:
        """From a resource of the offline plan document."""
        return cls(
            type=resource["type"],
            inputs=resource.get("inputs") or {},
            urn=resource["urn"],
            name=resource.get("name", ""),
            protect=bool(resource.get("protect")),
            retain_on_delete=bool(resource.get("retainOnDelete")),
            dependencies=tuple(resource.get("dependsOn") or ()),
        )

    def get(self, *path: str | int) -> Any:
        """The input at `path` (keys and list indexes), None when absent."""
        return dig(self.inputs, *path)

    @property
    def tags(self) -> Any:
        return self.inputs.get("tags")


@dataclass(frozen=True)
class Finding:
    """One violation: which rule, how bad, which resource, what is wrong; `reason` is the
    written reason of the suppression that silences it (None: the finding stands)."""

    policy: str
    level: Level
    urn: str
    message: str
    reason: str | None = None

    def as_dict(self) -> dict[str, str]:
        found = {
            "policy": self.policy,
            "level": self.level,
            "urn": self.urn,
            "message": self.message,
        }
        if self.reason is not None:
            found["reason"] = self.reason
        return found


# -- value helpers ---------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def dig(value: Any, *path: str | int) -> Any:
    """Walk mappings and lists; None when a step is missing, UNKNOWN when one is unknown."""
    for step in path:
        if is_unknown(value):
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(value, Sequence) or isinstance(value, str) or step >= len(value):
                return None
            value = value[step]
        else:
            if not isinstance(value, Mapping):
                return None
            value = value.get(step)
    return value


def as_list(value: Any) -> list[Any]:
    """A JSON/IAM "string or list" value as a list (UNKNOWN stays a one-element list)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def is_false(value: Any) -> bool:
    """Known and false (`False` or the string "false")."""
    return value is False or (isinstance(value, str) and value.lower() == "false")


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def missing(value: Any) -> bool:
    """Known to be absent or empty."""
    return value is None or value == "" or value == [] or value == {}


def environment_from_tags(resource: Resource) -> str | None:
    """The `environment` tag, which every taggable platform resource carries."""
    value = dig(resource.inputs, "tags", "environment")
    return value if isinstance(value, str) and value else None


# -- policy documents (IAM, bucket, key and repository policies) -----------------------


def parse_policy(value: Any) -> Any:
    """A policy document input as a dict; UNKNOWN when not known; None when not a policy."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{") or '"Statement"' not in text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, Mapping) and "Statement" in value:
        return value
    return None


def policy_documents(inputs: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every IAM policy document anywhere in a resource's inputs, with its input path."""
    document = parse_policy(inputs)
    if isinstance(document, Mapping):
        yield path or "(inputs)", document
        return
    if isinstance(inputs, Mapping):
        for key, value in inputs.items():
            yield from policy_documents(value, f"{path}.{key}" if path else str(key))
    elif isinstance(inputs, list | tuple):
        for index, value in enumerate(inputs):
            yield from policy_documents(value, f"{path}[{index}]")
