"""`mlops-platform bootstrap --bucket NAME`: the Pulumi state bucket and secrets key."""

from __future__ import annotations

import argparse
import sys

from ..config.loader import STACKS_DIR
from ..ops.aws import Aws, AwsError, AwsOptions, add_aws_arguments
from ..ops.bootstrap import (
    ALIAS_NAME,
    BUCKET_NAME,
    DEFAULT_NONCURRENT_DAYS,
    next_steps,
    normalize_alias,
    run_bootstrap,
)
from ..ops.report import console
from . import invalid_stack_name


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bootstrap",
        help="create (or check) the S3 state bucket and KMS key Pulumi needs first",
        description="Check (dry run, read-only) or with --fix idempotently create a "
        "versioned, SSE-KMS encrypted, fully blocked, TLS-only S3 bucket for Pulumi state and "
        "a rotating KMS key + alias for the awskms:// secrets provider. Without --fix nothing "
        "is written: what is missing is reported. --fix only adds: existing policy statements "
        "and lifecycle rules are kept, its lifecycle rule covers .pulumi/ only. "
        "Service-linked roles a first deploy needs (Auto Scaling's) are "
        "reported when missing; --fix creates them. Exit 0 ok, 1 unfixed drift, 2 usage or "
        "AWS access error.",
    )
    parser.add_argument("--bucket", required=True, help="state bucket name")
    parser.add_argument(
        "--kms-alias", help="KMS alias for the key (default: alias/pulumi-state-<bucket>)"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="create the bucket and key, apply protections an existing bucket lacks, create "
        "missing service-linked roles (default: report only, change nothing)",
    )
    parser.add_argument(
        "--noncurrent-days",
        type=int,
        default=DEFAULT_NONCURRENT_DAYS,
        metavar="DAYS",
        help=f"keep old state versions this long (default {DEFAULT_NONCURRENT_DAYS})",
    )
    parser.add_argument(
        "--stack",
        action="append",
        dest="stacks",
        metavar="STACK",
        help="stack to print `pulumi stack init` for (repeatable; default: every stack file)",
    )
    add_aws_arguments(parser, "region for the bucket and key (default: AWS_REGION/profile)")
    parser.set_defaults(func=run)


def _shipped_stacks() -> list[str]:
    names = [p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS_DIR.glob("*")]
    return sorted(n for n in names if n and "." not in n) or ["dev"]


def run(args: argparse.Namespace) -> int:
    if not BUCKET_NAME.match(args.bucket):
        print(
            f"error: --bucket '{args.bucket}' is not a valid S3 bucket name (lower-case "
            "letters, digits, '.' and '-'; 3 to 63 characters; starting and ending with a "
            "letter or digit)",
            file=sys.stderr,
        )
        return 2
    if args.kms_alias and not ALIAS_NAME.match(normalize_alias(args.kms_alias)):
        print(
            f"error: --kms-alias '{args.kms_alias}' must look like alias/NAME "
            "(letters, digits, '/', '_' and '-')",
            file=sys.stderr,
        )
        return 2
    if args.kms_alias and normalize_alias(args.kms_alias).startswith("alias/aws/"):
        print("error: --kms-alias: 'alias/aws/' is reserved for AWS managed keys", file=sys.stderr)
        return 2
    if any(invalid_stack_name(stack) for stack in args.stacks or []):
        return 2
    if args.noncurrent_days < 1:
        print("error: --noncurrent-days must be at least 1", file=sys.stderr)
        return 2
    try:
        aws = Aws(AwsOptions.from_args(args))
        result = run_bootstrap(
            aws, args.bucket, args.kms_alias, fix=args.fix, noncurrent_days=args.noncurrent_days
        )
    except AwsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = console()
    result.report.render(out)
    if result.drift:
        missing = len(result.report.failures)
        out.print(
            f"{missing} protection(s) missing on s3://{result.bucket} or its key; nothing was "
            "changed. Rerun with --fix to apply them."
        )
        return 1
    if result.changed:
        out.print(f"Applied {len(result.report.changes)} change(s).")
    else:
        out.print(
            f"No changes: s3://{result.bucket} and {result.alias} already have every protection."
        )
    out.print("Next steps:")
    for command in next_steps(result, aws.s3_endpoint_url(), args.stacks or _shipped_stacks()):
        out.print(f"  {command}", markup=False, highlight=False, soft_wrap=True)
    return 0
