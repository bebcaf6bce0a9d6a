"""The committed stack-file JSON Schema matches the config model and validates stack files."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from infra.cli import main
from infra.commands.schema import SCHEMA_PATH, render_schema, stack_file_schema
from infra.config.loader import STACKS_DIR

SHIPPED = sorted(STACKS_DIR.glob("Pulumi.*.yaml"))


def validator() -> jsonschema.Draft202012Validator:
    schema = stack_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_schema(), (
        "stacks/stack.schema.json is stale: regenerate it with `mlops-platform schema`"
    )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_stacks_validate_and_point_editors_at_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    errors = [e.message for e in validator().iter_errors(yaml.safe_load(text))]
    assert errors == []
    assert text.splitlines()[0] == "# yaml-language-server: $schema=stack.schema.json"


def test_schema_rejects_typos_and_bad_values_as_an_editor_would() -> None:
    document = yaml.safe_load((STACKS_DIR / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    typo = {"config": {**document["config"], "mlops-platform:netwrok": {}}}
    assert any("netwrok" in e.message for e in validator().iter_errors(typo))
    nested = {"config": {**document["config"], "mlops-platform:network": {"azCont": 2}}}
    assert list(validator().iter_errors(nested))
    region = {"config": {**document["config"], "aws:region": "mars-east-1"}}
    assert list(validator().iter_errors(region))
    provider = {"config": {**document["config"], "aws:profile": "dev"}}
    assert list(validator().iter_errors(provider)) == []
    missing = {"config": {"aws:region": "eu-west-1"}}
    assert {e.message for e in validator().iter_errors(missing)} >= {
        "'mlops-platform:environment' is a required property"
    }


def test_schema_command_writes_and_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "schema.json"
    assert main(["schema", "--check", "--output", str(out)]) == 1
    assert "mlops-platform schema" in capsys.readouterr().err
    assert main(["schema", "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_schema()
    assert main(["schema", "--check", "--output", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("dev", "dve", 1), encoding="utf-8")
    assert main(["schema", "--check", "--output", str(out)]) == 1
