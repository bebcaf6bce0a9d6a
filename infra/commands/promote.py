"""`mlops-platform promote STACK ENDPOINT VERSION [--force]`: pin an Approved model version."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import ConfigError, load_stack_file, stack_file_path
from ..ops.aws import Aws, AwsError, AwsOptions, add_aws_arguments
from . import invalid_stack_name


def _version(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a version number") from None
    if not 1 <= value <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"{value} is not a model package version (1..2^31-1)")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "promote",
        help="pin an Approved model package version on a stack's endpoint(s)",
        description="Edit stacks/Pulumi.STACK.yaml so ENDPOINT serves VERSION of its model "
        "family, changing nothing else in the file (comments and formatting stay). Refuses "
        "a version that is not Approved in the stack's model package group, or that the "
        "previous environment (dev -> staging -> prod) does not serve yet, unless --force. "
        "Exit 0 pinned (or already pinned), 2 refused.",
    )
    parser.add_argument("stack", help="stack name; edits stacks/Pulumi.STACK.yaml")
    parser.add_argument(
        "endpoint", help="endpoint name, or a model family name: every endpoint serving it"
    )
    parser.add_argument("version", type=_version, help="model package version to pin")
    parser.add_argument(
        "--force",
        action="store_true",
        help="skip the previous-environment check (never the approval check)",
    )
    parser.add_argument("--config", type=Path, help="edit this stack file instead")
    add_aws_arguments(parser, "region of the model registry (default: the stack's aws:region)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..ops.promote import PromoteError, promote

    if invalid_stack_name(args.stack):
        return 2
    path = args.config or stack_file_path(args.stack)
    try:
        region = load_stack_file(path).region
        aws = Aws(AwsOptions.from_args(args, region=region))
        target, changed = promote(aws, args.stack, path, args.endpoint, args.version, args.force)
    except (ConfigError, AwsError, PromoteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = "pinned" if changed else "already pinned"
    print(f"{state}: {target.family} v{args.version} in {path} ({len(target.indexes)} endpoint(s))")
    return 0
