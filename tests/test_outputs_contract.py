"""Stack output names are defined once (`infra/outputs.py`) and every consumer uses them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra import outputs
from infra.plan import Plan

ROOT = Path(__file__).resolve().parents[1]
# camelCase words ending like an output name; README and workflows mention outputs this way.
OUTPUT_LIKE = re.compile(
    r"\b([a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*(?:Arn|Name|Names|Ids|Urls|Alias))\b"
)
# camelCase words of that shape that are not stack outputs: AWS API fields.
API_FIELDS = {"roleArn", "modelPackageGroupName", "featureGroupName", "endpointName"}


def _config_keys() -> set[str]:
    """Every key the stack-file schema knows (they share the outputs' naming style)."""
    schema = json.loads((ROOT / "stacks" / "stack.schema.json").read_text(encoding="utf-8"))
    keys: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return {key.rpartition(":")[2] for key in keys}


def test_every_program_output_is_a_declared_name(any_shipped_plan: Plan) -> None:
    exported = set(any_shipped_plan.outputs)
    assert exported <= outputs.ALL, exported - outputs.ALL


def test_prod_exports_every_declared_name_it_can(shipped_plan) -> None:
    # Prod configures every section, so it exports every output except none.
    exported = set(shipped_plan("prod").outputs)
    assert outputs.ALL - exported == set(), outputs.ALL - exported


def test_workflows_and_readme_name_only_declared_outputs() -> None:
    texts = {
        path.relative_to(ROOT): path.read_text(encoding="utf-8")
        for path in [ROOT / "README.md", *sorted((ROOT / ".github").rglob("*.y*ml"))]
    }
    known = outputs.ALL | API_FIELDS | _config_keys()
    unknown = {
        (str(path), word)
        for path, text in texts.items()
        for word in OUTPUT_LIKE.findall(text)
        if word not in known
    }
    assert not unknown, f"outputs named but not declared in infra/outputs.py: {sorted(unknown)}"


def test_output_names_are_unique_and_camel_case() -> None:
    values = [v for k, v in vars(outputs).items() if k.isupper() and isinstance(v, str)]
    assert len(values) == len(set(values)) == len(outputs.ALL)
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", v) for v in values)
