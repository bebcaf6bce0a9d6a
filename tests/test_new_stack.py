"""`new-stack NAME --from ENV` scaffolds a commented, valid stack file and never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main
from infra.config import load_stack_file
from infra.config.schema import SCHEMA_VERSION
from infra.plan import build_plan


@pytest.mark.parametrize("source", ["dev", "staging", "prod"])
def test_new_stack_from_each_environment_validates(tmp_path: Path, source: str) -> None:
    assert main(["new-stack", "teama", "--from", source, "--stacks-dir", str(tmp_path)]) == 0
    path = tmp_path / "Pulumi.teama.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=stack.schema.json"
    assert f"--from {source}" in lines[1]
    assert sum(line.startswith("#") for line in lines) >= 4
    assert text.count(f"mlops-platform:schemaVersion: {SCHEMA_VERSION}") == 1
    assert text.count("# yaml-language-server") == 1
    config = load_stack_file(path)
    assert config.environment == source


def test_new_stack_plans_under_its_own_name(tmp_path: Path) -> None:
    assert main(["new-stack", "teamb", "--from", "dev", "--stacks-dir", str(tmp_path)]) == 0
    plan = build_plan("teamb", tmp_path / "Pulumi.teamb.yaml")
    assert plan.resources
    assert all(r["urn"].startswith("urn:pulumi:teamb::") for r in plan.resources)


def test_new_stack_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Pulumi.mine.yaml"
    path.write_text("config: {}\n", encoding="utf-8")
    assert main(["new-stack", "mine", "--from", "dev", "--stacks-dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == "config: {}\n"


def test_new_stack_rejects_bad_names_and_environments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-stack", "Bad_Name", "--from", "dev", "--stacks-dir", str(tmp_path)]) == 2
    assert "stack name" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["new-stack", "ok", "--from", "qa", "--stacks-dir", str(tmp_path)])
    assert exc.value.code == 2
    assert list(tmp_path.iterdir()) == []
