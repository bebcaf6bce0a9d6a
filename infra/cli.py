"""`mlops-platform` command line: one sub-command module per verb in `infra.commands`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

# Each module defines `register(subparsers)`, adding a parser whose `func(args) -> int`
# runs the command.
COMMANDS = ("plan", "diff", "schema", "new-stack", "bootstrap", "preflight", "verify")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops-platform",
        description="Plan, review and operate the mlops-platform Pulumi stacks.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"infra.commands.{name.replace('-', '_')}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=ResourceWarning)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry_point() -> None:
    """The `mlops-platform` console script.

    Exits without interpreter teardown: after a plan, tearing down the Pulumi SDK's worker
    threads and the large provider modules takes longer than a small stack's whole plan,
    and nothing is left to flush but the standard streams.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry_point()
