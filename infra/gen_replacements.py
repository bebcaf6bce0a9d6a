"""Build or check `infra/data/replacements.json`: which inputs force a replacement.

The data comes from the upstream Terraform AWS provider's resource schemas, which
pulumi-aws bridges unchanged: the top-level fields of internal/service/<svc>/<resource>.go
marked `ForceNew: true` (SDK resources) or given a `RequiresReplace` plan modifier
(framework resources). A field whose nested attributes force a replacement is listed
whole: changing anything inside it may replace the resource. Each entry records the schema
file and the commit it was read at; `updatable` lists the other inputs of the schema.

    python -m infra.gen_replacements --check         # exit 1 when the table is stale
    python -m infra.gen_replacements --from-go DIR [--commit SHA]
                                                     # re-read every entry from a checkout

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
# A schema field: `"name": {` (SDK) or `names.AttrName: schema.StringAttribute{` (framework),
# up to the closing brace at the same indentation.
_FIELD = re.compile(
    r'^(\t+)(?:"(\w+)"|names\.Attr(\w+)):\s*(?:schema\.\w+)?\{(.*?)^\1\}', re.M | re.S
)
_REPLACES = re.compile(r"ForceNew:\s*true|RequiresReplace(?:IfConfigured)?\(\)")


def _camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def camel(name: str) -> str:
    """A Terraform attribute name as the Pulumi input name."""
    return PLURAL.get(name) or _camel_case(name)


# Inputs pulumi-aws names other than the Terraform attribute (beyond plurals).
RENAMED = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": {"alarm_name": "name"},
    "aws:sns/topicSubscription:TopicSubscription": {"topic_arn": "topic"},
}
# Inputs that never replace nor need listing: tags are updated through the tagging API.
_SKIPPED = {"tags", "tags_all", "timeouts", "id"}


def schema_fields(go_source: str) -> list[tuple[str, bool, bool]]:
    """(Terraform name, forces a replacement, can be set) of each top-level schema field;
    the shallowest fields in the file are the top level."""
    fields = _FIELD.findall(go_source)
    if not fields:
        return []
    top = min(len(indent) for indent, *_ in fields)
    found = []
    for indent, quoted, attr, body in fields:
        if len(indent) != top:
            continue
        name = quoted or re.sub(r"(?<!^)([A-Z])", r"_\1", attr).lower()
        settable = bool(re.search(r"(Optional|Required):\s*true|Block\{", body))
        found.append((name, bool(_REPLACES.search(body)), settable))
    return found


def force_new_fields(go_source: str) -> list[str]:
    """Top-level schema attributes of a provider resource file that force a replacement,
    directly or through a nested attribute."""
    return sorted({camel(name) for name, forces, _ in schema_fields(go_source) if forces})


def pulumi_input(rtype: str, tf_name: str, inputs: set[str]) -> str:
    """The pulumi-aws input for a Terraform attribute: renamed, as is, or pluralised."""
    if tf_name in RENAMED.get(rtype, {}):
        return RENAMED[rtype][tf_name]
    base = camel(tf_name)
    # PLURAL holds for most resources; a resource whose block holds one item keeps it
    # singular (Step Functions' encryption_configuration).
    plain = _camel_case(tf_name)
    plurals = [plain, plain + "s", plain[:-1] + "ies" if plain.endswith("y") else plain]
    found = next((c for c in [base, *plurals] if c in inputs), None)
    if found is None:
        # `names.AttrRoleARN` reads as role_a_r_n: match the input whatever its case.
        folded = {i.lower(): i for i in inputs}
        found = folded.get(base.lower(), base)
    return found


def read_entry(rtype: str, go_source: str) -> tuple[list[str], list[str]]:
    """(forceNew, updatable) pulumi-aws inputs of `rtype` from its upstream schema file."""
    inputs = _inputs_of(rtype) or set()
    force_new: set[str] = set()
    updatable: set[str] = set()
    for name, forces, settable in schema_fields(go_source):
        if name in _SKIPPED or not (forces or settable):
            continue
        (force_new if forces else updatable).add(pulumi_input(rtype, name, inputs))
    return sorted(force_new), sorted(updatable)


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
    """camelCase input names of a pulumi-aws resource type, from its constructor.

    The resource's own `_internal_init` is read, not `<Type>Args`: in several modules a
    nested input type of the same name shadows the resource's Args class.
    """
    import importlib
    import inspect

    module_path, cls = rtype.split(":")[1].partition("/")[0], rtype.split(":")[2]
    try:
        module = importlib.import_module(f"pulumi_aws.{module_path}")
    except ImportError:
        return None
    resource = getattr(module, cls, None)
    init = getattr(resource, "_internal_init", None)
    if init is None:
        return None
    params = inspect.signature(init).parameters
    skip = {"__self__", "resource_name", "opts", "__props__"}
    return {_camel_case(p) for p in params if p not in skip}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--from-go", metavar="DIR", type=Path)
    parser.add_argument("--commit", help="the checkout's commit, recorded on each entry read")
    args = parser.parse_args(argv)
    table = load_table()
    if args.from_go:
        for rtype, entry in table["types"].items():
            path = args.from_go / entry["source"]
            if path.exists():
                source = path.read_text(encoding="utf-8")
                entry["forceNew"], entry["updatable"] = read_entry(rtype, source)
                if args.commit:
                    entry["commit"] = args.commit
        table["pulumiAws"] = importlib.metadata.version("pulumi_aws")
        TABLE.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    found = problems(table)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
