"""Would a change of these inputs replace the resource? From `data/replacements.json`.

The table holds, per resource type, the inputs the upstream provider marks ForceNew
(changing one deletes the resource and creates a new one) and the inputs known to update
in place. An input in neither list is unknown: for a stateful type it MAY replace, and the
plan diff treats it as possible data loss rather than guess.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLE = Path(__file__).resolve().parent / "data" / "replacements.json"
# Tags never force a replacement (the provider updates them through the tagging API).
ALWAYS_UPDATABLE = frozenset({"tags", "tagsAll"})


@functools.cache
def load_table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return table


@dataclass(frozen=True)
class Verdict:
    """Inputs of one change that replace for sure, and those the table does not know."""

    replaces: tuple[str, ...]
    unknown: tuple[str, ...]


def classify(rtype: str, inputs: set[str] | list[str]) -> Verdict:
    """Split changed top-level input names into (force a replacement, not known)."""
    entry = load_table()["types"].get(rtype)
    changed = sorted(set(inputs) - ALWAYS_UPDATABLE)
    if entry is None:
        return Verdict((), tuple(changed))
    force_new = set(entry["forceNew"])
    known = force_new | set(entry.get("updatable", []))
    return Verdict(
        tuple(i for i in changed if i in force_new),
        tuple(i for i in changed if i not in known),
    )


def would_replace(rtype: str, inputs: set[str] | list[str]) -> bool:
    """True when changing `inputs` certainly replaces a resource of `rtype`."""
    return bool(classify(rtype, inputs).replaces)
