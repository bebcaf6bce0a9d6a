"""Sub-commands of the `mlops-platform` CLI."""

from __future__ import annotations

import re
import sys

# Stack names become part of AWS resource names (`mlops-<stack>-...`), whose limits are tight.
STACK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")


def invalid_stack_name(name: str) -> bool:
    """True, after printing the one-line error, when `name` cannot name a stack."""
    if STACK_NAME.match(name):
        return False
    print(
        f"error: stack name '{name}' must be 1-16 lower-case letters, digits or '-', "
        "starting with a letter (it is part of AWS resource names)",
        file=sys.stderr,
    )
    return True
