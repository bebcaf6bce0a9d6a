"""The rule for stack names (standard library only: the config loader and CLI use it)."""

from __future__ import annotations

import re

# Stack names are part of every physical name (`mlops-<stack>-<purpose>`) and of the IAM
# patterns that scope a stack's CI roles (`mlops-<stack>-*`). A `-` in a stack name would let
# one stack's pattern cover another's (`mlops-prod-*` matches `mlops-prod-eu-...`), so the
# name holds no delimiter: lower-case letters and digits, 1-16, starting with a letter.
STACK_NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")
STACK_NAME_RULE = "1-16 lower-case letters or digits, starting with a letter (no '-')"


def stack_name_problem(name: str) -> str | None:
    """Why `name` cannot name a stack, None when it can."""
    if STACK_NAME.match(name):
        return None
    return f"stack name '{name}' must be {STACK_NAME_RULE}: it is part of AWS resource names"
