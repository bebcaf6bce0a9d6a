"""Validate custom resources the way the API server does, from the real CRDs' openAPIV3Schema.

The CRDs (Karpenter v1.14.1 from aws/karpenter-provider-aws `pkg/apis/crds/`, Kueue v0.19.2
from kubernetes-sigs/kueue `config/components/crd/bases/`, Apache-2.0) are published
reference data kept beside the repository in `shared/schemas/crds/`, read from there and
never copied into the project.

Strict like the API server's structural-schema pruning turned into errors: an object with
`properties` admits no other field unless it says `x-kubernetes-preserve-unknown-fields`
or gives `additionalProperties`. `x-kubernetes-list-type: set` means unique items, `map`
unique `x-kubernetes-list-map-keys`. CEL rules (`x-kubernetes-validations`) are not
evaluated: jsonschema has no CEL; tests check the rules that matter to the platform.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

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
            sub = schema.get("properties", {}).get(key, schema.get("additionalProperties"))
            errors += _list_map_errors(sub, item, f"{where}.{key}")
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
    return errors + _list_map_errors(schema, body, "")
