"""IAM policy evaluation for one request, as AWS documents it for a single account.

A request (action, resource ARN, context keys) is allowed when no statement of any policy
denies it, an identity policy allows it and, if the principal has a permissions boundary,
the boundary allows it too. Action and resource patterns use `*` and `?`; action names are
case-insensitive, ARNs are not. Conditions: the String, Arn and Bool operators, their
`Not` forms, `...IfExists`, `Null`, and the `ForAnyValue:` / `ForAllValues:` set
qualifiers. A key missing from the request makes a positive operator false and a negated
one true (`...IfExists`: true either way), as IAM evaluates them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Context = Mapping[str, str | Sequence[str]]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    regex = "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
    )  # fmt: skip
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _matches_action(statement: Mapping[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_glob(p, action, case=False) for p in _as_list(statement["NotAction"]))
    return any(_glob(p, action, case=False) for p in _as_list(statement.get("Action")))


def _matches_resource(statement: Mapping[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(_glob(p, resource, case=True) for p in _as_list(statement["NotResource"]))
    return any(_glob(p, resource, case=True) for p in _as_list(statement.get("Resource")))


def _single(op: str, wanted: list[str], value: str) -> bool:
    """Whether `value` satisfies positive operator `op` against any of `wanted`."""
    if op.startswith("String"):
        case = not op.endswith("IgnoreCase")
        if "Like" in op:
            return any(_glob(w, value, case=True) for w in wanted)
        return any((w == value) if case else w.lower() == value.lower() for w in wanted)
    if op.startswith("Arn"):
        # ArnEquals and ArnLike behave alike: both match `*` and `?` per ARN part.
        return any(_glob(w, value, case=True) for w in wanted)
    if op == "Bool":
        return any(w.lower() == value.lower() for w in wanted)
    raise ValueError(f"condition operator {op} is not evaluated here")


def _condition_holds(op: str, key: str, wanted: Any, context: Context) -> bool:
    present = {k.lower(): v for k, v in context.items()}
    value = present.get(key.lower())
    wanted_list = [str(w).lower() if op == "Null" else str(w) for w in _as_list(wanted)]
    if op == "Null":
        return ("true" in wanted_list) == (value is None)
    qualifier, _, base = op.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    negated = "Not" in base
    positive = base.replace("Not", "", 1) if negated else base
    if value is None:
        return if_exists or negated or qualifier == "ForAllValues"
    values = [str(v) for v in _as_list(value)]
    if qualifier == "ForAnyValue":
        hits = [_single(positive, wanted_list, v) for v in values]
        return (not all(hits)) if negated else any(hits)
    if qualifier == "ForAllValues":
        hits = [_single(positive, wanted_list, v) for v in values]
        return (not any(hits)) if negated else all(hits)
    hit = any(_single(positive, wanted_list, v) for v in values)
    return not hit if negated else hit


def _conditions_hold(statement: Mapping[str, Any], context: Context) -> bool:
    for op, entries in (statement.get("Condition") or {}).items():
        for key, wanted in entries.items():
            if not _condition_holds(op, key, wanted, context):
                return False
    return True


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Context) -> bool:
    return (
        _matches_action(statement, action)
        and _matches_resource(statement, resource)
        and _conditions_hold(statement, context)
    )


def decision(
    documents: Sequence[Mapping[str, Any]], action: str, resource: str, context: Context
) -> str:
    """`deny` (explicit), `allow`, or `implicit-deny` for one set of policies."""
    allowed = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not _applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return "deny"
            allowed = True
    return "allow" if allowed else "implicit-deny"


@dataclass
class Principal:
    """A role's identity policies and, if it has one, its permissions boundary."""

    policies: list[Mapping[str, Any]]
    boundary: Mapping[str, Any] | None = None
    name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def allows(self, action: str, resource: str = "*", context: Context | None = None) -> bool:
        ctx = context or {}
        if decision(self.policies, action, resource, ctx) != "allow":
            return False
        if self.boundary is None:
            return True
        return decision([self.boundary], action, resource, ctx) == "allow"
