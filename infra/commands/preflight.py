"""`mlops-platform preflight STACK`: before `pulumi up`, check quotas, versions and names."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import boto3
from botocore.exceptions import BotoCoreError

from ..config import ConfigError, load_stack_file, stack_file_path
from ..ops.aws import Aws, AwsError, AwsOptions, add_aws_arguments, default_region
from ..ops.preflight import run_preflight
from ..ops.report import Status, console
from . import invalid_stack_name

ACCOUNT_ID = re.compile(r"^\d{12}$")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "preflight",
        help="before `pulumi up`: check account, region, quotas, EKS version, bucket names",
        description="Check with boto3 what a first deploy usually fails on: the caller's "
        "account and region, EC2 GPU and SageMaker endpoint quotas against what the stack "
        "asks for, the EKS version, and that the stack's bucket names are free. Exit 0 all "
        "passed, 1 a check failed, 2 bad config or no AWS access.",
    )
    parser.add_argument("stack", help="stack name; config from stacks/Pulumi.STACK.yaml")
    parser.add_argument("--config", type=Path, help="use this stack file instead")
    parser.add_argument("--account", help="12-digit account id the credentials must belong to")
    add_aws_arguments(parser, "region to check in (default: the stack's aws:region)")
    parser.set_defaults(func=run)


def _ambient_region(profile: str | None) -> str | None:
    """The region the caller's environment or profile selects, if any."""
    try:
        return default_region(boto3.Session(profile_name=profile))
    except BotoCoreError:
        return None


def run(args: argparse.Namespace) -> int:
    if invalid_stack_name(args.stack):
        return 2
    if args.account is not None and not ACCOUNT_ID.match(args.account):
        print(f"error: --account '{args.account}' is not a 12-digit account id", file=sys.stderr)
        return 2
    try:
        config = load_stack_file(args.config or stack_file_path(args.stack))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        aws = Aws(AwsOptions.from_args(args, region=config.region))
        ambient = args.region or _ambient_region(args.profile)
        report = run_preflight(aws, args.stack, config, args.account, ambient)
    except AwsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = console()
    report.render(out)
    failed = len(report.failures)
    warned = report.count(Status.WARN)
    if failed:
        out.print(f"preflight failed: {failed} check(s) failed, {warned} warning(s).")
        return 1
    out.print(f"preflight passed ({warned} warning(s)).")
    return 0
