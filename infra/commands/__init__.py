"""Sub-commands of the `mlops-platform` CLI."""

from __future__ import annotations

import sys

from components.stack_name import stack_name_problem


def invalid_stack_name(name: str) -> bool:
    """True, after printing the one-line error, when `name` cannot name a stack."""
    problem = stack_name_problem(name)
    if problem is None:
        return False
    print(f"error: {problem}", file=sys.stderr)
    return True
