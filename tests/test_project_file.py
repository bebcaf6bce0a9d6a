"""Pulumi.yaml is a valid Pulumi project file that runs this package's program."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from tests.stacks import stack_files

ROOT = Path(__file__).resolve().parents[1]


def test_pulumi_yaml_validates_against_the_published_schema() -> None:
    schema = json.loads((ROOT / "tests/data/pulumi-project.schema.json").read_text())
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.validate(project, schema)


def test_project_runs_the_infra_program_with_stacks_in_stacks_dir() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "mlops-platform"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == ".venv"
    assert project["main"] == "infra/"
    assert project["stackConfigDir"] == "stacks"
    assert (ROOT / project["main"] / "__main__.py").is_file()
    assert stack_files(ROOT / project["stackConfigDir"])


def test_a_schema_violation_is_caught() -> None:
    schema = json.loads((ROOT / "tests/data/pulumi-project.schema.json").read_text())
    try:
        jsonschema.validate({"name": "x", "runtime": 42}, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("an invalid project file passed the schema")
