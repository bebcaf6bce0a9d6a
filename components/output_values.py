"""Output combinators that wait on the Outputs in a value, not on every part of it.

`pulumi.Output.json_dumps`, `concat` and `all` first pass every argument through
`Output.from_input`, which makes an Output (with an asyncio task) for every dict, list,
string and number nested in it, and another for every Output. An IAM policy document of a
few statements becomes dozens of tasks, an ARN of seven parts over twenty, and the
platform builds hundreds of both. These helpers find the Outputs themselves and wait on
those alone; the result (value, dependencies, known and secret flags) is the same as the
SDK function's.
"""

from __future__ import annotations

import asyncio
import json
from contextvars import ContextVar
from typing import Any

import pulumi

# Values the walk understands; anything else (args classes, awaitables) is left to the SDK.
_SCALARS = (str, int, float, bool, type(None))

# Combined Outputs of this program run, by the ids of the Outputs combined (kept in the
# entry, so no id is reused while it lives), with the event loop they belong to: an Output
# is only valid in the loop that made it, and a test process runs many programs.
_Combined = dict[tuple[int, ...], tuple[tuple[pulumi.Output[Any], ...], pulumi.Output[list[Any]]]]
_COMBINED: ContextVar[tuple[asyncio.AbstractEventLoop, _Combined] | None] = ContextVar(
    "combined_outputs", default=None
)


def all_of(*values: pulumi.Input[Any]) -> pulumi.Output[list[Any]]:
    """`pulumi.Output.all(*values)`, made once per program run for the same Outputs.

    Most ARNs combine the same account, region and partition Outputs; each of them then
    costs one `apply` on the shared combination instead of a task per part."""
    outputs = tuple(value for value in values if isinstance(value, pulumi.Output))
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is None or len(outputs) < len(values):
        return pulumi.Output.all(*values)
    cache = _COMBINED.get()
    if cache is None or cache[0] is not loop:
        cache = (loop, {})
        _COMBINED.set(cache)
    key = tuple(id(output) for output in outputs)
    if key not in cache[1]:
        cache[1][key] = (outputs, pulumi.Output.all(*outputs))
    return cache[1][key][1]


class _Unsupported(Exception):
    """A value the walk does not take apart (the SDK function handles it instead)."""


def _collect(value: Any, found: dict[int, pulumi.Output[Any]]) -> None:
    """Add the Outputs nested in `value` (dicts, lists, tuples) to `found`, by id."""
    if isinstance(value, pulumi.Output):
        found[id(value)] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, _SCALARS):
                raise _Unsupported
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
    elif not isinstance(value, _SCALARS):
        raise _Unsupported


def _resolved(value: Any, values: dict[int, Any]) -> Any:
    """`value` with each nested Output replaced by its value (`values`, keyed by id)."""
    if isinstance(value, pulumi.Output):
        return values[id(value)]
    if isinstance(value, dict):
        return {key: _resolved(item, values) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Output.from_input turns a tuple back into a tuple; json writes both as arrays.
        return type(value)(_resolved(item, values) for item in value)
    return value


def resolved(value: Any) -> pulumi.Output[Any]:
    """`value` once the Outputs nested in it resolve, like `pulumi.Output.from_input(value)`."""
    found: dict[int, pulumi.Output[Any]] = {}
    try:
        _collect(value, found)
    except _Unsupported:
        return pulumi.Output.from_input(value)
    if not found:
        return pulumi.Output.from_input(value)
    return pulumi.Output.all(*found.values()).apply(
        lambda results: _resolved(value, dict(zip(found, results, strict=True)))
    )


def json_dumps(value: Any) -> pulumi.Output[str]:
    """`json.dumps(value)` once the Outputs nested in `value` resolve, like
    `pulumi.Output.json_dumps(value)` (same separators, key order and flags)."""
    found: dict[int, pulumi.Output[Any]] = {}
    try:
        _collect(value, found)
    except _Unsupported:
        return pulumi.Output.json_dumps(value)
    if not found:
        return pulumi.Output.from_input(json.dumps(value))

    def dump(results: list[Any]) -> str:
        return json.dumps(_resolved(value, dict(zip(found, results, strict=True))))

    return pulumi.Output.all(*found.values()).apply(dump)


def concat(*parts: pulumi.Input[str]) -> pulumi.Output[str]:
    """The parts joined into one string, like `pulumi.Output.concat(*parts)`."""
    if not all(isinstance(part, pulumi.Output | str) for part in parts):
        return pulumi.Output.concat(*parts)
    outputs = [part for part in parts if isinstance(part, pulumi.Output)]
    if not outputs:
        return pulumi.Output.from_input("".join(str(part) for part in parts))

    def join(results: list[Any]) -> str:
        values = iter(results)
        return "".join([next(values) if isinstance(p, pulumi.Output) else str(p) for p in parts])

    return all_of(*outputs).apply(join)
