"""Facts kept once: checks at the level of the source tree."""

from __future__ import annotations

import re
from pathlib import Path

from infra.config.environments import PROFILES, EnvironmentProfile

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT_BRANCH = re.compile(r"""is_prod|==\s*["'](dev|staging|prod)["']|environment\s*==""")


def _sources(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_no_component_or_translator_branches_on_the_environment_name() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in [*_sources("components"), ROOT / "infra" / "args.py"]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ENVIRONMENT_BRANCH.search(line)
    ]
    assert not offenders, f"decide from explicit fields or the profile table: {offenders}"


def test_every_environment_kind_has_a_complete_profile() -> None:
    assert set(PROFILES) == {"dev", "staging", "prod"}
    assert all(isinstance(p, EnvironmentProfile) for p in PROFILES.values())
    # Prod is the strictest kind on every data-safety setting.
    prod = PROFILES["prod"]
    assert prod.protect_stateful and prod.eks_deletion_protection
    assert prod.kms_deletion_window_days == max(
        p.kms_deletion_window_days for p in PROFILES.values()
    )
    assert min(p.kms_deletion_window_days for p in PROFILES.values()) >= 7


def test_every_function_fits_on_a_screen() -> None:
    """No function in components/ or infra/ is longer than 60 lines (def to last line)."""
    import ast

    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for path in _sources("components", "infra")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > 60
    ]
    assert not long, long
