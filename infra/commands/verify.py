"""`mlops-platform verify STACK [--outputs FILE]`: after `pulumi up`, check the live stack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import ConfigError, load_stack_file, stack_file_path
from ..ops.aws import Aws, AwsError, AwsOptions, add_aws_arguments
from ..ops.report import Status, console
from ..ops.verify import OutputsError, load_outputs, run_verify
from . import invalid_stack_name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="after `pulumi up`: check the deployed resources are healthy and protected",
        description="Read the stack outputs and check with boto3: EKS cluster and node "
        "groups ACTIVE, feature groups Created, model package groups present, endpoints "
        "InService, alarms wired to the alert topic, buckets KMS-encrypted and blocked. "
        "Outputs the stack does not export are skipped. Exit 0 all passed, 1 a check "
        "failed, 2 unreadable outputs/config or no AWS access.",
    )
    parser.add_argument("stack", help="stack name; region from stacks/Pulumi.STACK.yaml")
    parser.add_argument(
        "--outputs",
        type=Path,
        metavar="FILE",
        help="stack outputs JSON (default: run `pulumi stack output --json --show-secrets`)",
    )
    parser.add_argument("--config", type=Path, help="use this stack file instead")
    add_aws_arguments(parser, "region to check (default: the stack's aws:region)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if invalid_stack_name(args.stack):
        return 2
    region = args.region
    if region is None:
        try:
            region = load_stack_file(args.config or stack_file_path(args.stack)).region
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        outputs = load_outputs(args.stack, args.outputs)
        aws = Aws(AwsOptions.from_args(args, region=region))
        report = run_verify(aws, args.stack, outputs)
    except (OutputsError, AwsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = console()
    report.render(out)
    failed = len(report.failures)
    skipped = report.count(Status.SKIP)
    checked = len(report.rows) - skipped
    if failed:
        out.print(f"verify failed: {failed} of {checked} check(s) failed, {skipped} skipped.")
        return 1
    out.print(f"verify passed: {checked} check(s), {skipped} skipped.")
    return 0
