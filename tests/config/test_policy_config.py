"""`policy` config: suppressions name a registered rule and a resource, with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_stack_file
from tests.helpers import BASE_STACK, write_stack

REASON = "Fork-only deploy role; scoped policy lands with ticket 42."
ENTRY = {"rule": "iam-no-full-access-managed-policies", "resource": "deploy", "reason": REASON}


def load(tmp_path: Path, policy: Any):
    return load_stack_file(write_stack(tmp_path, {**BASE_STACK, "mlops-platform:policy": policy}))


def test_section_is_optional_and_empty_by_default(tmp_path: Path) -> None:
    assert load_stack_file(write_stack(tmp_path, BASE_STACK)).policy.suppressions == []


def test_a_suppression_with_a_written_reason(tmp_path: Path) -> None:
    padded = {**ENTRY, "reason": f"  {REASON}  "}
    (suppression,) = load(tmp_path, {"suppressions": [padded]}).policy.suppressions
    assert (suppression.rule, suppression.resource, suppression.reason) == (
        "iam-no-full-access-managed-policies",
        "deploy",
        REASON,
    )


@pytest.mark.parametrize(
    ("entry", "path", "problem"),
    [
        ({**ENTRY, "rule": "iam-no-full-acess"}, "suppressions[0].rule", "unknown policy rule"),
        ({**ENTRY, "reason": "because"}, "suppressions[0].reason", "at least 20 characters"),
        ({**ENTRY, "reason": " " * 30}, "suppressions[0].reason", "at least 20 characters"),
        ({k: v for k, v in ENTRY.items() if k != "reason"}, "suppressions[0].reason", "missing"),
        ({**ENTRY, "resource": ""}, "suppressions[0].resource", "at least 1 character"),
        ({**ENTRY, "reasn": REASON}, "suppressions[0].reasn", "unknown key"),
    ],
)
def test_bad_suppressions_are_one_line_errors(
    tmp_path: Path, entry: dict[str, str], path: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, {"suppressions": [entry]})
    assert error.value.path == f"policy.{path}"
    assert problem in error.value.problem
    assert "\n" not in str(error.value)


def test_the_same_finding_is_suppressed_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, {"suppressions": [ENTRY, {**ENTRY, "reason": REASON + " Again."}]})
    assert error.value.path == "policy.suppressions[1]"
    assert "duplicate suppression" in error.value.problem
