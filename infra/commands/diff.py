"""`mlops-platform diff A B [--stack NAME] [--markdown] [--fail-on-data-loss]`.

What changes between two plans and what it costs. The pull-request workflow relies on this
contract, per changed stack:

    mlops-platform plan <stack> --json base.json            # on the base branch
    mlops-platform diff base.json stacks/Pulumi.<stack>.yaml --stack <stack> \
        --markdown --fail-on-data-loss >> "$GITHUB_STEP_SUMMARY"

Exit 0: no data loss; 2: a side cannot be read; 3 (with --fail-on-data-loss): a stateful
resource would be replaced, may be replaced (an input the replacement table does not
know) or deleted. Markdown goes to stdout, errors to stderr.
"""

from __future__ import annotations

import argparse
import sys

from ..config import ConfigError
from ..plan_diff import DiffInputError, diff_plans, load_side, render_markdown, render_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare two plans: resources added, removed, changed and the cost delta",
        description="Compare two offline plans. A and B are each a stack name, a stack file "
        "(.yaml) or a plan saved with `plan --json`. Stateful resources that would be "
        "replaced or deleted are flagged as data loss.",
    )
    parser.add_argument("a", metavar="A", help="before: stack name, stack file or plan JSON")
    parser.add_argument("b", metavar="B", help="after: stack name, stack file or plan JSON")
    parser.add_argument(
        "--stack",
        metavar="NAME",
        help="the stack a stack-file side is planned as (default: from its file name)",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="print Markdown for a pull-request comment"
    )
    parser.add_argument(
        "--fail-on-data-loss",
        action="store_true",
        help="exit 3 when a stateful resource would be replaced or deleted",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        a, b = load_side(args.a, args.stack), load_side(args.b, args.stack)
    except (ConfigError, DiffInputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    diff = diff_plans(a, b)
    sys.stdout.write(render_markdown(diff) if args.markdown else render_text(diff) + "\n")
    if args.fail_on_data_loss and diff.has_data_loss:
        return 3
    return 0
