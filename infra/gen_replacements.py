"""Build or check `infra/data/replacements.json`: which inputs force a replacement.

The data comes from the upstream Terraform AWS provider's resource schemas (the fields
marked `ForceNew: true` in internal/service/<svc>/<resource>.go), which pulumi-aws bridges
unchanged. Each entry records the schema file and the commit it was read at.

    python -m infra.gen_replacements --check         # exit 1 when the table is stale
    python -m infra.gen_replacements --from-go DIR   # re-read ForceNew fields from a checkout

The check fails when the installed pulumi-aws is not the version the table was made for,
or an input the table names is not an input of the installed resource class.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import sys
from pathlib import Path
from typing import Any

from .replacements import TABLE, load_table

# Terraform block names Pulumi pluralises (a list block that may hold many items).
PLURAL = {
    "create_table_default_permission": "createTableDefaultPermissions",
    "encryption_configuration": "encryptionConfigurations",
    "feature_definition": "featureDefinitions",
    "taint": "taints",
}
_FIELD = re.compile(r'^\t{3}(?:"(\w+)"|names\.Attr(\w+)):\s*\{(.*?)^\t{3}\}', re.M | re.S)


def camel(name: str) -> str:
    """A Terraform attribute name as the Pulumi input name."""
    if name in PLURAL:
        return PLURAL[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def force_new_fields(go_source: str) -> list[str]:
    """Top-level schema attributes marked ForceNew in a provider resource file."""
    fields = []
    for quoted, attr, body in _FIELD.findall(go_source):
        name = quoted or re.sub(r"(?<!^)([A-Z])", r"_\1", attr).lower()
        if re.search(r"^\t{4}ForceNew:\s*true", body, re.M):
            fields.append(camel(name))
    return sorted(fields)


def problems(table: dict[str, Any]) -> list[str]:
    """Why the table no longer describes the installed provider (empty when current)."""
    found = []
    installed = importlib.metadata.version("pulumi_aws")
    if table["pulumiAws"] != installed:
        found.append(
            f"{TABLE.name} was made for pulumi-aws {table['pulumiAws']}, installed is "
            f"{installed}: re-read the ForceNew fields and update it"
        )
    for rtype, entry in table["types"].items():
        known = _inputs_of(rtype)
        if known is None:
            found.append(f"{rtype}: no such resource in pulumi-aws {installed}")
            continue
        for name in entry["forceNew"] + entry.get("updatable", []):
            if name not in known:
                found.append(f"{rtype}: '{name}' is not an input of the installed resource")
    return found


def _inputs_of(rtype: str) -> set[str] | None:
    """camelCase input names of a pulumi-aws resource type, from its Args class."""
    import importlib
    import inspect

    module_path, cls = rtype.split(":")[1].partition("/")[0], rtype.split(":")[2]
    try:
        module = importlib.import_module(f"pulumi_aws.{module_path}")
    except ImportError:
        return None
    args = getattr(module, f"{cls}Args", None)
    if args is None:
        return None
    params = inspect.signature(args.__init__).parameters
    return {camel(p) for p in params if p != "self"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--from-go", metavar="DIR", type=Path)
    args = parser.parse_args(argv)
    table = load_table()
    if args.from_go:
        for entry in table["types"].values():
            path = args.from_go / entry["source"]
            if path.exists():
                entry["forceNew"] = force_new_fields(path.read_text(encoding="utf-8"))
        table["pulumiAws"] = importlib.metadata.version("pulumi_aws")
        TABLE.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    found = problems(table)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
