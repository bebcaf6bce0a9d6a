"""Fixtures of the stack-file tests."""

from __future__ import annotations

import pytest

from infra import plan as plan_module


@pytest.fixture
def program_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the Pulumi program runs: a refused stack file registers nothing."""

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the program ran for an invalid stack file")

    monkeypatch.setattr(plan_module, "run_program", fail)
