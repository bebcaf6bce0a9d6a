"""`mlops-platform new-stack NAME --from dev|staging|prod`: scaffold a stack file for a fork.

The new file starts as a copy of the shipped stack of that environment kind (its comments
explain each choice), under a header saying where it came from, with the editor schema
modeline and `schemaVersion`. It refuses to overwrite an existing stack and validates the
result, so a fork starts from a file that plans.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..config import ConfigError, load_stack_file
from ..config.loader import PROJECT, STACKS_DIR, free_cidr
from ..config.schema import SCHEMA_VERSION
from . import invalid_stack_name

ENVIRONMENTS = ("dev", "staging", "prod")
MODELINE = "# yaml-language-server: $schema=stack.schema.json"
SCHEMA_VERSION_KEY = f"{PROJECT}:schemaVersion"


def render_stack(name: str, source_env: str, template: str) -> str:
    """The new stack file: header, modeline, schemaVersion and the template's entries."""
    body = [line for line in template.splitlines() if line.strip() != MODELINE]
    # The copied range would overlap its source stack's (refused): take a free one.
    cidr = free_cidr()
    body = [
        re.sub(r"^(\s+cidr:\s*)\S+", rf"\g<1>{cidr}", line) if "cidr:" in line else line
        for line in body
    ]
    if not any(line.strip().startswith(f"{SCHEMA_VERSION_KEY}:") for line in body):
        at = next(i for i, line in enumerate(body) if line.rstrip() == "config:")
        body.insert(at + 1, f"  {SCHEMA_VERSION_KEY}: {SCHEMA_VERSION}")
    header = [
        MODELINE,
        f"# Stack '{name}', created {datetime.now(UTC):%Y-%m-%d} by "
        f"`mlops-platform new-stack {name} --from {source_env}`",
        f"# from the shipped {source_env} stack. Physical names become mlops-{name}-*;",
        "# network.cidr is a range no shipped stack uses. Check it with",
        f"# `mlops-platform plan {name}` and compare with `mlops-platform diff {source_env} "
        f"{name}`.",
    ]
    return "\n".join(header + body) + "\n"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "new-stack",
        help="scaffold stacks/Pulumi.NAME.yaml from a shipped environment",
        description="Write a commented stack file for a new stack, starting from the "
        "shipped dev, staging or prod stack. Never overwrites.",
    )
    parser.add_argument("name", help="new stack name (lower-case, part of AWS resource names)")
    parser.add_argument(
        "--from",
        dest="source",
        choices=ENVIRONMENTS,
        required=True,
        help="environment kind to start from",
    )
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        default=STACKS_DIR,
        help="directory of the stack files (default: the repository's stacks/)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if invalid_stack_name(args.name):
        return 2
    target = args.stacks_dir / f"Pulumi.{args.name}.yaml"
    template_path = STACKS_DIR / f"Pulumi.{args.source}.yaml"
    try:
        template = template_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"error: template {template_path} not found", file=sys.stderr)
        return 2
    text = render_stack(args.name, args.source, template)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        print(f"error: {target} already exists; not overwriting it", file=sys.stderr)
        return 2
    try:
        load_stack_file(target)
    except ConfigError as exc:
        target.unlink()
        print(f"error: the generated stack does not validate: {exc}", file=sys.stderr)
        return 2
    hint = f"mlops-platform plan {args.name}"
    if args.stacks_dir.resolve() != STACKS_DIR.resolve():
        hint += f" --config {target}"
    print(f"wrote {target}\nnext: {hint}")
    return 0
