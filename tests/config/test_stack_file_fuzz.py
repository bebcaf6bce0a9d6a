"""Fuzzing mutated shipped stack files: whatever the bytes, the loader ends with a valid
config or one ConfigError line (exit 0 or 2), never a traceback, and in bounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.config import ConfigError, load_stack_file

SHIPPED = sorted(Path("stacks").glob("Pulumi.*.yaml"))
SNIPPETS = [
    b"!!binary aGk=", b"&a [*a]", b"\xff", b"\x00", b": :", b"true", b"-1", b"99999999999",
    b"0.0.0.0/0", b"\n  mlops-platform:environment: prod", b"{", b"~",
]  # fmt: skip
MEMORY_LIMIT = 64 * 1024 * 1024


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SHIPPED)).read_bytes()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 20))
        insert = draw(st.one_of(st.sampled_from(SNIPPETS), st.binary(max_size=8)))
        data = data[:at] + insert + data[at + cut :]
    return data


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=mutated())
def test_loader_contract(data: bytes, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("fuzz") / "Pulumi.fuzz.yaml"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        load_stack_file(path)
    except ConfigError as exc:
        line = str(exc)
        assert "\n" not in line and line.startswith(str(path)) and len(line) <= 400
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT
