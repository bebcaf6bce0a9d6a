"""The shipped stacks as the tests see them: whatever stacks/Pulumi.*.yaml holds.

Tests over every shipped stack take their list here, so a fork that adds or drops a stack
file (another team, another region) keeps the suite meaningful instead of breaking it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

STACKS_DIR = Path(__file__).resolve().parent.parent / "stacks"


def stack_files(directory: Path = STACKS_DIR) -> list[Path]:
    return sorted(directory.glob("Pulumi.*.yaml"))


def stack_name(path: Path) -> str:
    """`Pulumi.prod.yaml` -> `prod`."""
    return path.name[len("Pulumi.") : -len(".yaml")]


def stack_names(directory: Path = STACKS_DIR) -> list[str]:
    return [stack_name(p) for p in stack_files(directory)]


def config(stack: str, directory: Path = STACKS_DIR) -> dict[str, Any]:
    """A stack file's `config:` mapping, as written."""
    text = (directory / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text)["config"])


def region(stack: str, directory: Path = STACKS_DIR) -> str:
    """The AWS region a stack file deploys to."""
    return str(config(stack, directory)["aws:region"])


def environment(stack: str, directory: Path = STACKS_DIR) -> str:
    return str(config(stack, directory)["mlops-platform:environment"])


def matrix_key(stack: str) -> str:
    """The suffix of a stack's CI variables: upper-case, '-' becomes '_'."""
    return stack.upper().replace("-", "_")


def non_prod_stacks(directory: Path = STACKS_DIR) -> list[str]:
    """Stacks whose environment is not prod: nothing in them is protected."""
    return [s for s in stack_names(directory) if environment(s, directory) != "prod"]


def prod_stacks(directory: Path = STACKS_DIR) -> list[str]:
    """Stacks whose environment is prod: every stateful resource is protected and retained."""
    return [s for s in stack_names(directory) if environment(s, directory) == "prod"]
