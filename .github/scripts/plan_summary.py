"""Run `mlops-platform plan` for every stack file and summarise the results for a pull request.

Usage: plan_summary.py [--stacks-dir stacks] [--summary FILE] [--matrix-output FILE]

Writes a Markdown summary (one row per stack, every policy finding, then a folded Mermaid
diagram of each stack's components and lifecycle loops) and, with
--matrix-output, a `matrix=<json>` line for GitHub Actions listing each valid stack with its
region and the suffix of its preview-role variable. Exits 1 when any stack file is invalid
or has a mandatory policy finding.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.cli import main as mlops_platform
from infra.plan_loop import mermaid

MARKER = "<!-- mlops-platform-plan -->"
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[a-z][a-z0-9-]{0,15})\.yaml$")


def stack_files(stacks_dir: Path) -> list[tuple[str, Path]]:
    found = []
    for path in sorted(stacks_dir.glob("Pulumi.*.yaml")):
        match = STACK_FILE.match(path.name)
        if match:
            found.append((match["stack"], path))
    return found


def plan_stack(stack: str, path: Path) -> dict[str, Any]:
    """One `mlops-platform plan STACK --config PATH --json FILE` run."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        stderr = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            code = mlops_platform(["plan", stack, "--config", str(path), "--json", str(out)])
        document = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return {"stack": stack, "exit": code, "document": document, "error": stderr.getvalue()}


def variable_suffix(stack: str) -> str:
    """`AWS_PREVIEW_ROLE_ARN_<suffix>`: GitHub variable names are upper-case, no '-'."""
    return stack.upper().replace("-", "_")


def summary(results: list[dict[str, Any]]) -> str:
    lines = [
        MARKER,
        "## mlops-platform plan",
        "",
        "| stack | environment | resources | mandatory | advisory | est. USD/month | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    findings: list[str] = []
    for result in results:
        doc = result["document"]
        if doc is None:
            problem = result["error"].strip().splitlines()[-1] if result["error"] else "failed"
            lines.append(f"| {result['stack']} | | | | | | invalid: {problem} |")
            continue
        policy = doc["policy"]
        mandatory = sum(1 for p in policy if p["level"] == "mandatory")
        advisory = len(policy) - mandatory
        verdict = "ok" if result["exit"] == 0 else "**blocked**"
        lines.append(
            f"| {result['stack']} | {doc['environment']} | {doc['summary']['total']} | "
            f"{mandatory} | {advisory} | {doc['cost']['monthlyUsd']:,.2f} | {verdict} |"
        )
        for p in policy:
            resource = p["urn"].rsplit("::", 1)[-1]
            findings.append(
                f"| {result['stack']} | {p['level']} | `{p['policy']}` | `{resource}` | "
                f"{p['message']} |"
            )
    if findings:
        lines += [
            "",
            "### Policy findings",
            "",
            "| stack | level | policy | resource | message |",
            "|---|---|---|---|---|",
            *findings,
        ]
    lines += _diagrams(results)
    return "\n".join(lines) + "\n"


def _diagrams(results: list[dict[str, Any]]) -> list[str]:
    """Per stack, a folded Mermaid diagram of its components and lifecycle loops."""
    lines = ["", "### Components and lifecycle loops"]
    for result in results:
        if result["document"] is None:
            continue
        lines += [
            "",
            f"<details><summary>{result['stack']}</summary>",
            "",
            "```mermaid",
            mermaid(result["document"]).rstrip("\n"),
            "```",
            "",
            "</details>",
        ]
    return lines


def matrix(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {
            "stack": r["stack"],
            "key": variable_suffix(r["stack"]),
            "region": r["document"]["outputs"].get("region", ""),
        }
        for r in results
        if r["document"] is not None
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks-dir", type=Path, default=Path("stacks"))
    parser.add_argument("--summary", type=Path, help="write the Markdown summary here")
    parser.add_argument("--matrix-output", type=Path, help="append matrix=<json> to this file")
    args = parser.parse_args(argv)

    results = [plan_stack(stack, path) for stack, path in stack_files(args.stacks_dir)]
    if not results:
        print(f"no stack files in {args.stacks_dir}", file=sys.stderr)
        return 1
    text = summary(results)
    if args.summary:
        args.summary.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.matrix_output:
        with args.matrix_output.open("a", encoding="utf-8") as output:
            output.write(f"matrix={json.dumps(matrix(results))}\n")
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
