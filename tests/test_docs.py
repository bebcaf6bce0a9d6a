"""The component reference is generated from the code and fails when it is out of date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.cli import main
from infra.commands.docs import (
    BEGIN,
    DASHBOARD_PATH,
    README_PATH,
    Docstring,
    Reference,
    args_table,
)


def test_committed_reference_matches_the_code() -> None:
    assert main(["docs", "--check"]) == 0


def test_check_fails_on_a_hand_edit_and_regenerating_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = tmp_path / "README.md"
    text = README_PATH.read_text(encoding="utf-8")
    readme.write_text(text.replace("| *required* |", "| *optional* |", 1), encoding="utf-8")

    assert main(["docs", "--check", "--readme", str(readme)]) == 1
    assert "regenerate it with `mlops-platform docs`" in capsys.readouterr().err
    assert main(["docs", "--readme", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == text


def test_intro_is_kept_and_the_markers_are_required(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# mine\n\nHand-written.\n\n{BEGIN}\nold\n", encoding="utf-8")
    assert main(["docs", "--readme", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8").startswith("# mine\n\nHand-written.\n\n" + BEGIN)

    readme.write_text("# no markers\n", encoding="utf-8")
    assert main(["docs", "--check", "--readme", str(readme)]) == 1


@dataclass
class _Args:
    """Inputs of something.

    Args:
        size: How big, in
            GiB.
        gone: A field that was removed.
    """

    size: int | None
    color: str = "red"


def test_fields_are_read_as_written_and_undocumented_ones_are_errors() -> None:
    ref = Reference()
    args_table(ref, _Args, "####")
    table = "\n".join(ref.lines)

    assert "| `size` | `int \\| None` | *required* | How big, in GiB. |" in table
    assert '| `color` | `str` | `"red"` |  |' in table
    assert any("_Args.color has no description" in p for p in ref.problems)
    assert any("documents 'gone'" in p for p in ref.problems)


def test_docstring_sections_are_split_from_the_prose() -> None:
    doc = Docstring.of(_Args)
    assert doc.summary == "Inputs of something."
    assert doc.body == ""
    assert doc.entries("Args") == {"size": "How big, in GiB.", "gone": "A field that was removed."}


def test_the_gpu_dashboard_file_is_generated_from_the_component(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dashboard = tmp_path / "dashboard.json"
    dashboard.write_text(DASHBOARD_PATH.read_text(encoding="utf-8").replace("now-24h", "now-1h"))
    args = ["docs", "--check", "--dashboard", str(dashboard)]
    assert main(args) == 1
    assert f"{dashboard} is stale" in capsys.readouterr().err
    assert main(["docs", "--dashboard", str(dashboard)]) == 0
    assert dashboard.read_text(encoding="utf-8") == DASHBOARD_PATH.read_text(encoding="utf-8")
    assert main(args) == 0
