"""Fuzzing mutated shipped stack files through the CLI: whatever the bytes, `plan` ends
with exit 0, 1 or 2, prints at most one `error:` line, never a traceback, and reads the
file in bounded memory."""

from __future__ import annotations

import contextlib
import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infra import plan as plan_module
from infra.cli import main
from infra.config import ConfigError, load_stack_file

SHIPPED = sorted(Path("stacks").glob("Pulumi.*.yaml"))
SNIPPETS = [
    b"!!binary aGk=", b"&a [*a]", b"\xff", b"\x00", b": :", b"true", b"-1", b"99999999999",
    b"0.0.0.0/0", b"\n  mlops-platform:environment: prod", b"{", b"~", b"!Ref x", b"\xfe\xff",
    b"\n  aws:profile:", b"\n  pulumi:tagz: x", b"&b [x, x, x, x]", b"*b", b"\t", b"\r\n",
]  # fmt: skip
# Reading a stack file (and failing on it) stays far below this, whatever the bytes; the
# alias bomb this bound was written for needed more than 4 GiB.
MEMORY_LIMIT = 64 * 1024 * 1024
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SHIPPED)).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 20))
        insert = draw(st.one_of(st.sampled_from(SNIPPETS), st.binary(max_size=8)))
        data = data[:at] + insert + data[at + cut :]
    return data


def _run_cli(path: Path) -> tuple[int, str]:
    """`mlops-platform plan fuzz --config PATH --quiet` in-process: (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(["plan", "fuzz", "--config", str(path), "--quiet"])
        except SystemExit as exc:  # argparse or the program itself
            code = exc.code if isinstance(exc.code, int) else 1
    return code, err.getvalue()


def _assert_contract(path: Path, code: int, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    if code == 2:
        assert err.count("\n") == 1 and len(errors) == 1, err
        assert errors[0].startswith(f"error: {path}: ") and len(errors[0]) <= 410, err
    else:
        assert errors == [], err


@pytest.fixture
def stop_at_program(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stop `plan` where the Pulumi program would start (once the file is accepted): the
    program itself is exercised by the shipped-stack and accepted-mutation tests."""
    reached: list[str] = []

    def stop(stack: str, *args: Any, **kwargs: Any) -> tuple[list[Any], dict[str, Any]]:
        reached.append(stack)
        return [], {}

    monkeypatch.setattr(plan_module, "run_program", stop)
    return reached


@settings(FUZZ, max_examples=80)
@given(data=mutated())
def test_cli_contract(data: bytes, tmp_path_factory, stop_at_program) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "Pulumi.fuzz.yaml"
    path.write_bytes(data)
    _run_cli(path)  # imports and caches warm, so the bound measures this file alone
    tracemalloc.start()
    try:
        code, err = _run_cli(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    _assert_contract(path, code, err)
    assert peak < MEMORY_LIMIT, f"{peak} bytes"


def _accepted(data: bytes, path: Path) -> bool:
    path.write_bytes(data)
    try:
        load_stack_file(path)
    except ConfigError:
        return False
    return True


@settings(FUZZ, max_examples=4, suppress_health_check=list(HealthCheck))
@given(data=mutated())
def test_accepted_mutation_runs_the_program(data: bytes, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """A mutated file the loader accepts goes through the whole program: it plans (0), fails
    a mandatory policy (1) or is refused later with one line (2), never a traceback."""
    path = tmp_path_factory.mktemp("fuzz") / "Pulumi.fuzz.yaml"
    assume(_accepted(data, path))
    code, err = _run_cli(path)
    _assert_contract(path, code, err)
