"""schemaVersion: the current one is accepted, others get a message saying what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main
from infra.config import ConfigError, load_stack_file
from infra.config.schema import SCHEMA_VERSION
from infra.config.versions import SCHEMA_CHANGES, changes_between, check_schema_version
from infra.plan import build_plan
from tests.helpers import BASE_STACK, write_stack

REPO = Path(__file__).resolve().parents[1]


def test_changelog_table_covers_every_version_and_the_root_changelog_too() -> None:
    assert [v for v, _ in SCHEMA_CHANGES] == list(range(1, SCHEMA_VERSION + 1))
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    for version, _ in SCHEMA_CHANGES:
        assert f"schemaVersion {version}" in changelog


def test_current_version_is_accepted(tmp_path: Path) -> None:
    config = load_stack_file(
        write_stack(tmp_path, {**BASE_STACK, "mlops-platform:schemaVersion": SCHEMA_VERSION})
    )
    assert config.schema_version == SCHEMA_VERSION


def test_newer_version_says_upgrade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_stack(tmp_path, {**BASE_STACK, "mlops-platform:schemaVersion": 99})
    with pytest.raises(ConfigError) as exc:
        build_plan("x", path)
    assert exc.value.path == "schemaVersion"
    assert "newer than this package" in str(exc.value) and "upgrade" in str(exc.value)
    assert main(["plan", "x", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "schemaVersion" in err


def test_zero_is_rejected(tmp_path: Path) -> None:
    path = write_stack(tmp_path, {**BASE_STACK, "mlops-platform:schemaVersion": 0})
    with pytest.raises(ConfigError, match="starts at 1"):
        load_stack_file(path)


def test_older_version_lists_what_changed_since() -> None:
    changes = ((1, "first"), (2, "network.nat renamed to network.natGateways"), (3, "x"))
    with pytest.raises(ValueError) as exc:
        check_schema_version(1, current=3, changes=changes)
    message = str(exc.value)
    assert "written for schemaVersion 1" in message
    assert "v2: network.nat renamed to network.natGateways; v3: x" in message
    assert "set schemaVersion: 3" in message
    assert changes_between(2, 3, changes) == "v3: x"
    assert check_schema_version(3, current=3, changes=changes) == 3
