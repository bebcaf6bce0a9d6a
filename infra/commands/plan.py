"""`mlops-platform plan STACK [--config PATH] [--json FILE]`: the offline plan."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from ..config import ConfigError
from ..feature_group_guard import check_against_base
from ..plan import Plan, build_plan
from ..plan_loop import loop_lines, mermaid
from . import invalid_stack_name

# Inputs worth a glance in the table, in order of preference.
_KEY_SETTINGS = (
    "cidrBlock", "availabilityZone", "serviceName", "bucket", "enableKeyRotation",
    "retentionInDays", "trafficType", "instanceTypes", "capacityType", "version",
    "instanceType", "featureGroupName", "modelPackageGroupName", "endpointName",
    "repositoryName", "imageTagMutability", "alarmName", "metricName", "protocol",
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what the stack would create, offline (no cloud credentials, no Pulumi CLI)",
        description="Run the Pulumi program under the mock runtime and report the full "
        "resource graph, policy findings and a cost estimate.",
    )
    parser.add_argument("stack", help="stack name; config from stacks/Pulumi.STACK.yaml")
    parser.add_argument("--config", type=Path, help="use this stack file instead")
    parser.add_argument(
        "--json",
        type=Path,
        dest="json_path",
        metavar="FILE",
        help="write the plan document as JSON ('-' for stdout)",
    )
    parser.add_argument(
        "--base",
        metavar="BASE",
        help="the deployed branch's plan (JSON from `plan --json`, a stack file or a stack): "
        "refuse changes that would replace one of its feature groups",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--mermaid",
        type=Path,
        metavar="FILE",
        help="write a Mermaid diagram of the components' wiring and each model family's "
        "lifecycle loop (for a pull-request comment)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "tree"),
        default="table",
        help="a table per component (default) or one tree, like `pulumi preview`",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if invalid_stack_name(args.stack):
        return 2
    try:
        plan = build_plan(args.stack, args.config)
        if args.base is not None:
            check_against_base(args.base, plan)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    document = plan.document()
    if args.json_path is not None:
        text = json.dumps(document, indent=2, sort_keys=False)
        if str(args.json_path) == "-":
            sys.stdout.write(text + "\n")
        else:
            args.json_path.write_text(text + "\n", encoding="utf-8")
    if args.mermaid is not None:
        args.mermaid.write_text(mermaid(document), encoding="utf-8")
    if str(args.json_path) != "-":
        console = Console()
        if not console.is_terminal:
            console = Console(width=160)
        render(plan, document, console, quiet=args.quiet, tree=args.format == "tree")
    mandatory = [p for p in plan.policy if p["level"] == "mandatory"]
    return 1 if mandatory else 0


def _sizing(resource: dict[str, Any]) -> list[str]:
    """Instance types and counts of node groups and endpoint variants: what costs money."""
    inputs = resource["inputs"]
    scaling = inputs.get("scalingConfig")
    if isinstance(scaling, dict):
        sizes = "/".join(str(scaling.get(k, "?")) for k in ("minSize", "desiredSize", "maxSize"))
        return [f"nodes(min/desired/max)={sizes}"]
    shown = []
    for variant in inputs.get("productionVariants") or []:
        serverless = variant.get("serverlessConfig")
        if serverless:
            shown.append(f"{variant.get('variantName')}=serverless "
                         f"{serverless.get('memorySizeInMb')}MB")  # fmt: skip
        else:
            shown.append(f"{variant.get('variantName')}={variant.get('instanceType')}"
                         f" x{variant.get('initialInstanceCount')}")  # fmt: skip
    return shown


def _settings(resource: dict[str, Any]) -> str:
    inputs = resource["inputs"]
    shown = _sizing(resource)
    for key in _KEY_SETTINGS:
        if len(shown) >= 2:
            break
        if key in inputs and not isinstance(inputs[key], dict):
            value = inputs[key]
            if isinstance(value, list):
                value = ",".join(map(str, value))
            shown.append(f"{key}={value}")
    flags = [
        f
        for f, on in (("protect", resource["protect"]), ("retain", resource["retainOnDelete"]))
        if on
    ]
    return " ".join(shown + flags)


def render(
    plan: Plan,
    document: dict[str, Any],
    console: Console,
    quiet: bool = False,
    tree: bool = False,
) -> None:
    """The resources (a table per top-level component, or one tree), policy and summary."""
    children: dict[str | None, list[dict[str, Any]]] = {}
    for r in plan.resources:
        children.setdefault(r["parent"], []).append(r)
    usd = {item["urn"]: float(item["usd"]) for item in document["cost"]["items"]}
    if not quiet:
        draw = _render_tree if tree else _render_tables
        draw(children, usd, console)
    render_policy(plan, console)
    for note in document["pending"]:
        console.print(note["message"], markup=False, highlight=False)
    render_loop(document, console)
    _render_summary(plan, document, console)


def _subtotal(urn: str, children: dict[str | None, list[dict[str, Any]]],
              usd: dict[str, float]) -> float:  # fmt: skip
    """Estimated USD/month of a resource and everything under it."""
    return usd.get(urn, 0.0) + sum(
        _subtotal(c["urn"], children, usd) for c in children.get(urn, [])
    )


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _short_type(type_token: str) -> str:
    return type_token.removeprefix("aws:").removeprefix("kubernetes:")


def _render_tables(children: dict[str | None, list[dict[str, Any]]], usd: dict[str, float],
                   console: Console) -> None:  # fmt: skip
    def walk(urn: str, depth: int, table: Table) -> None:
        for child in children.get(urn, []):
            table.add_row("  " * depth + child["name"], _short_type(child["type"]),
                          _settings(child), _money(usd.get(child["urn"])))  # fmt: skip
            walk(child["urn"], depth + 1, table)

    for top in children.get(None, []):
        subtotal = _subtotal(top["urn"], children, usd)
        title = f"{top['name']} ({top['type']}): est. {subtotal:,.2f} USD/month"
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        # Fold long cells instead of cutting them: two rows never end in identical "…" text.
        for column in ("resource", "type", "key settings"):
            table.add_column(column, overflow="fold")
        table.add_column("usd/mo", justify="right", no_wrap=True)
        if top["custom"]:
            table.add_row(top["name"], top["type"], _settings(top), _money(usd.get(top["urn"])))
        walk(top["urn"], 0, table)
        console.print(table)


def _render_tree(children: dict[str | None, list[dict[str, Any]]], usd: dict[str, float],
                 console: Console) -> None:  # fmt: skip
    """One tree of every resource, like `pulumi preview`, with subtotals on components."""

    def label(resource: dict[str, Any]) -> str:
        cost = _subtotal(resource["urn"], children, usd)
        parts = [f"+ {_short_type(resource['type'])} {resource['name']}", _settings(resource)]
        if cost:
            parts.append(f"{cost:,.2f} USD/mo")
        return "  ".join(p for p in parts if p)

    def grow(node: Tree, urn: str) -> None:
        for child in children.get(urn, []):
            grow(node.add(label(child), highlight=False), child["urn"])

    root = Tree("resources", highlight=False)
    for top in children.get(None, []):
        grow(root.add(label(top), highlight=False), top["urn"])
    console.print(root, markup=False, highlight=False)


def _render_summary(plan: Plan, document: dict[str, Any], console: Console) -> None:
    summary = document["summary"]
    cost = document["cost"]
    suppressed = f" ({len(plan.suppressed)} suppressed)" if plan.suppressed else ""
    console.print(
        f"[bold]{plan.stack}[/bold] ({plan.environment}, {plan.config.region}): "
        f"{summary['total']} resources, {len(summary['byType'])} types, "
        f"{sum(1 for p in plan.policy if p['level'] == 'mandatory')} mandatory / "
        f"{sum(1 for p in plan.policy if p['level'] == 'advisory')} advisory policy findings"
        f"{suppressed}, est. {cost['monthlyUsd']:,.2f} USD/month"
    )


def render_loop(document: dict[str, Any], console: Console) -> None:
    """Per model family, the lifecycle loop as one chain (absent parts named)."""
    lines = loop_lines(document)
    if lines:
        console.print("[bold]lifecycle loop[/bold]")
    for line in lines:
        console.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)


def render_policy(plan: Plan, console: Console) -> None:
    """The findings table (suppressed findings with their reasons), even with --quiet."""
    if not (plan.policy or plan.suppressed):
        return
    table = Table(title="policy", title_justify="left")
    for col in ("level", "policy", "resource", "message"):
        table.add_column(col)
    for finding in plan.policy:
        resource = finding["urn"].rsplit("::", 1)[-1]
        table.add_row(finding["level"], finding["policy"], resource, finding["message"])
    for finding in plan.suppressed:
        resource = finding["urn"].rsplit("::", 1)[-1]
        message = f"{finding['message']} [bold]suppressed:[/bold] {finding['reason']}"
        table.add_row(f"{finding['level']} (suppressed)", finding["policy"], resource, message)
    console.print(table)
    mandatory = sum(1 for f in plan.suppressed if f["level"] == "mandatory")
    if mandatory and plan.environment == "prod":
        console.print(
            f"[bold]prod: {mandatory} mandatory finding{'s' if mandatory > 1 else ''} "
            "suppressed by the stack file (mlops-platform:policy), each with the written "
            "reason shown; prod accepts a mandatory finding only with a reason.[/bold]"
        )
