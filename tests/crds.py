"""Validate custom resources the way the API server does, from the real CRDs' openAPIV3Schema.

The CRDs (Karpenter v1.14.1 from aws/karpenter-provider-aws `pkg/apis/crds/`, Kueue v0.19.2
from kubernetes-sigs/kueue `config/components/crd/bases/`, Apache-2.0) are published
reference data kept beside the repository in `shared/schemas/crds/`, read from there and
never copied into the project.

Strict like the API server's structural-schema pruning turned into errors: an object with
`properties` admits no other field unless it says `x-kubernetes-preserve-unknown-fields`
or gives `additionalProperties`. `x-kubernetes-list-type: set` means unique items, `map`
unique `x-kubernetes-list-map-keys`. The CRDs' CEL rules (`x-kubernetes-validations`)
are evaluated with cel-python on the object after the schema's defaults are applied, as
the API server does on create; transition rules (those reading `oldSelf`) apply only to
updates and are left out. Kubernetes' CEL library functions the CRDs call beyond standard
CEL (`find` from its regex library, `split` from its strings library) are supplied here.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import re2
import yaml
from celpy import celtypes

ROOT = Path(__file__).resolve().parent.parent


def schemas_dir() -> Path:
    """`shared/schemas/crds` in the nearest ancestor of the repository that has it."""
    for base in ROOT.parents:
        candidate = base / "shared" / "schemas" / "crds"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"no shared/schemas/crds beside {ROOT} or above it")


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    return out


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict schema, for every served version of every CRD."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(schemas_dir().glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def crd_groups() -> set[str]:
    return {api.split("/")[0] for api, _ in crd_schemas()}


def _field_schema(schema: dict[str, Any], key: str) -> Any:
    """The schema of an object's field: its property, else the map's value schema."""
    return schema.get("properties", {}).get(key, schema.get("additionalProperties"))


def _list_map_errors(schema: Any, value: Any, where: str) -> list[str]:
    """Duplicate keys in `x-kubernetes-list-type: map` lists (jsonschema cannot say this)."""
    errors: list[str] = []
    if not isinstance(schema, dict):
        return errors
    if isinstance(value, list) and schema.get("x-kubernetes-list-type") == "map":
        keys = [tuple(item.get(k) for k in schema["x-kubernetes-list-map-keys"]) for item in value]
        if len(set(keys)) != len(keys):
            errors.append(f"{where}: duplicate list-map keys {keys}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += _list_map_errors(schema["items"], item, f"{where}[{index}]")
    if isinstance(value, dict):
        for key, item in value.items():
            errors += _list_map_errors(_field_schema(schema, key), item, f"{where}.{key}")
    return errors


def _find(text: Any, pattern: Any) -> celtypes.StringType:
    """Kubernetes CEL `<string>.find(<regex>)`: the first match, or "" when none (RE2
    syntax, like the API server's)."""
    match = re2.search(str(pattern), str(text))
    return celtypes.StringType(match.group(0) if match else "")


def _split(text: Any, separator: Any) -> celtypes.ListType:
    """Kubernetes CEL `<string>.split(<string>)`; an empty separator splits into characters."""
    parts = list(str(text)) if str(separator) == "" else str(text).split(str(separator))
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


_CEL = celpy.Environment()


@functools.cache
def _cel_program(rule: str) -> Any:
    return _CEL.program(_CEL.compile(rule), functions={"find": _find, "split": _split})


def _with_defaults(schema: Any, value: Any) -> Any:
    """`value` with the schema's defaults filled in where it leaves a field out."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        out = {key: _with_defaults(_field_schema(schema, key), item) for key, item in value.items()}
        for key, sub in schema.get("properties", {}).items():
            if key not in out and isinstance(sub, dict) and "default" in sub:
                out[key] = _with_defaults(sub, sub["default"])
        return out
    if isinstance(value, list):
        return [_with_defaults(schema.get("items"), item) for item in value]
    return value


def _cel_errors(schema: Any, value: Any, where: str) -> list[str]:
    """Failed CEL rules at this node and below (rules apply where a value is present)."""
    if not isinstance(schema, dict):
        return []
    errors: list[str] = []
    for rule in schema.get("x-kubernetes-validations", []):
        if "oldSelf" in rule["rule"]:
            continue
        result = _cel_program(rule["rule"]).evaluate({"self": celpy.json_to_cel(value)})
        if not (isinstance(result, bool | celtypes.BoolType) and result):
            errors.append(f"{where or '<root>'}: {rule.get('message', rule['rule'])} ({result})")
    if isinstance(value, list):
        for index, item in enumerate(value):
            errors += _cel_errors(schema.get("items"), item, f"{where}[{index}]")
    if isinstance(value, dict):
        for key, item in value.items():
            errors += _cel_errors(
                _field_schema(schema, key), item, f"{where}.{key}" if where else key
            )
    return errors


def validate_custom_resource(body: dict[str, Any]) -> list[str]:
    """Errors of one custom resource against its CRD (empty when valid)."""
    schema = crd_schemas().get((body.get("apiVersion", ""), body.get("kind", "")))
    if schema is None:
        return [f"no served CRD version for {body.get('apiVersion')} {body.get('kind')}"]
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
    errors += _list_map_errors(schema, body, "")
    if errors:  # the API server evaluates CEL rules only on a structurally valid object
        return errors
    return _cel_errors(schema, _with_defaults(schema, body), "")
