"""Output combinators that wait on the Outputs in a value, not on every part of it.

`pulumi.Output.json_dumps` and `pulumi.Output.concat` first pass their whole argument
through `Output.from_input`, which makes an Output (with an asyncio task) for every dict,
list, string and number nested in it. An IAM policy document of a few statements becomes
dozens of tasks, and the platform builds hundreds of documents and ARNs. These helpers
find the Outputs themselves and wait on those alone; the result (value, dependencies,
known and secret flags) is the same as the SDK function's.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

# Values the walk understands; anything else (args classes, awaitables) is left to the SDK.
_SCALARS = (str, int, float, bool, type(None))


class _Unsupported(Exception):
    """A value the walk does not take apart (the SDK function handles it instead)."""


def _collect(value: Any, found: list[pulumi.Output[Any]]) -> None:
    """Append the Outputs nested in `value` (dicts, lists, tuples) to `found`."""
    if isinstance(value, pulumi.Output):
        found.append(value)
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


def json_dumps(value: Any) -> pulumi.Output[str]:
    """`json.dumps(value)` once the Outputs nested in `value` resolve, like
    `pulumi.Output.json_dumps(value)` (same separators, key order and flags)."""
    found: list[pulumi.Output[Any]] = []
    try:
        _collect(value, found)
    except _Unsupported:
        return pulumi.Output.json_dumps(value)
    if not found:
        return pulumi.Output.from_input(json.dumps(value))

    def dump(results: list[Any]) -> str:
        values = {id(output): result for output, result in zip(found, results, strict=True)}
        return json.dumps(_resolved(value, values))

    return pulumi.Output.all(*found).apply(dump)


def concat(*parts: pulumi.Input[str]) -> pulumi.Output[str]:
    """The parts joined into one string, like `pulumi.Output.concat(*parts)`."""
    if not all(isinstance(part, pulumi.Output | str) for part in parts):
        return pulumi.Output.concat(*parts)
    outputs = [part for part in parts if isinstance(part, pulumi.Output)]

    def join(results: list[Any]) -> str:
        values = iter(results)
        return "".join([next(values) if isinstance(p, pulumi.Output) else str(p) for p in parts])

    return pulumi.Output.all(*outputs).apply(join)
