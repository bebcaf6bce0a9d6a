"""Compare two offline plans: what a change to a stack file (or to the code) would do.

Each side is a stack name, a stack file or a saved plan JSON (`plan --json`). Resources are
matched by URN with the stack name taken out, so two stacks compare as well as two versions
of one stack. Stateful resources (data lives in them) get a loud warning when they would be
replaced or deleted: a URN change makes Pulumi delete the old resource and create a new one,
which loses the data of a bucket, a feature group or a log group.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policy.rules import STATEFUL_TYPES

from .replacements import classify

_FLAGS = ("protect", "retainOnDelete", "parent")
# Markdown: tables longer than this fold into <details>; inputs shown per changed resource.
FOLD_ROWS = 25
MAX_INPUTS_PER_ROW = 8


class DiffInputError(Exception):
    """A side of the diff that cannot be read (missing file, bad JSON)."""


@dataclass
class Side:
    """One side of a diff: a label and the plan document."""

    label: str
    document: dict[str, Any]

    @property
    def stack(self) -> str:
        return str(self.document.get("stack", ""))

    @property
    def monthly_usd(self) -> float:
        return float((self.document.get("cost") or {}).get("monthlyUsd", 0.0))


@dataclass
class Change:
    """A resource present on both sides whose inputs or options differ."""

    key: str
    type: str
    name: str
    inputs: list[tuple[str, Any, Any]]
    usd_before: float
    usd_after: float
    replaces: list[str] = field(default_factory=list)
    # Changed inputs the replacement table does not know (may replace).
    unknown: list[str] = field(default_factory=list)


@dataclass
class DataLossWarning:
    """A stateful resource that would be replaced or deleted."""

    kind: str  # "REPLACEMENT", "MAY REPLACE" or "DELETION"
    type: str
    name: str
    message: str


@dataclass
class PlanDiff:
    """Resources added, removed and changed from side A to side B, with the cost delta."""

    a: Side
    b: Side
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[Change]
    warnings: list[DataLossWarning]
    usd: dict[str, float]  # per normalized key, B minus A

    @property
    def cost_delta(self) -> float:
        return round(self.b.monthly_usd - self.a.monthly_usd, 2)

    @property
    def has_data_loss(self) -> bool:
        return bool(self.warnings)


def load_side(spec: str, stack: str | None = None) -> Side:
    """A stack name, a stack file (.yaml) or a saved plan JSON, as a plan document.

    Raises ConfigError for an invalid stack file and DiffInputError for an unreadable JSON.
    """
    path = Path(spec)
    if path.suffix == ".json":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DiffInputError(f"{spec}: file not found") from None
        except ValueError as exc:
            raise DiffInputError(f"{spec}: not a plan JSON ({exc})") from None
        if not isinstance(document, dict) or "resources" not in document:
            raise DiffInputError(f"{spec}: not a plan JSON (no 'resources')")
        if "cost" not in document:
            from .costs import UnpricedError, estimate_resources

            region = str((document.get("outputs") or {}).get("region", "us-east-1"))
            try:
                document["cost"] = estimate_resources(document["resources"], region)
            except UnpricedError as exc:
                raise DiffInputError(f"{spec}: cannot estimate its cost: {exc}") from None
        return Side(spec, document)

    from .plan import build_plan

    if path.suffix in (".yaml", ".yml") or path.exists():
        stack = stack or path.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
        return Side(spec, build_plan(stack, path).document())
    return Side(spec, build_plan(spec).document())


def _key(urn: str, stack: str) -> str:
    """The URN without its stack part, so the same resource matches across stacks."""
    prefix = f"urn:pulumi:{stack}::"
    return urn[len(prefix) :] if stack and urn.startswith(prefix) else urn


def _normalizer(stack: str) -> Any:
    """Replace the stack name inside physical names, so dev vs prod shows real differences."""
    if not stack:
        return lambda value, path: value
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(stack)}(?![A-Za-z0-9])")

    def normalize(value: Any, path: str) -> Any:
        if isinstance(value, str):
            if path.endswith("stack") and value == stack:
                return "<stack>"
            # Stack names are lowercase letters and digits only, so a whole-word match
            # (`mlops-dev-x`, `mlops_dev_features`, "of stack dev") is the stack's name.
            return pattern.sub("<stack>", value)
        return value

    return normalize


def _flatten(value: Any, path: str, out: dict[str, Any], normalize: Any) -> None:
    if isinstance(value, dict):
        if not value:
            out[path] = {}
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else str(k), out, normalize)
    elif isinstance(value, list):
        if not value:
            out[path] = []
        for i, v in enumerate(value):
            _flatten(v, f"{path}[{i}]", out, normalize)
    else:
        out[path] = normalize(value, path)


def _normalized(resource: dict[str, Any], stack: str, normalize: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    inputs = resource.get("inputs") or {}
    for key, value in inputs.items():
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            # JSON documents (policies, dashboards) compare by content, not by spacing.
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        _flatten(value, key, flat, normalize)
    for option in _FLAGS:
        value = resource.get(option)
        if option == "parent" and value:
            value = _key(value, stack)
        flat[f"<{option}>"] = value
    return flat


def _costs(side: Side) -> dict[str, float]:
    items = (side.document.get("cost") or {}).get("items") or []
    return {_key(item["urn"], side.stack): float(item["usd"]) for item in items}


def diff_plans(a: Side, b: Side) -> PlanDiff:
    """Everything that differs from A to B."""
    norm_a, norm_b = _normalizer(a.stack), _normalizer(b.stack)
    res_a = {_key(r["urn"], a.stack): r for r in a.document["resources"]}
    res_b = {_key(r["urn"], b.stack): r for r in b.document["resources"]}
    cost_a, cost_b = _costs(a), _costs(b)

    added = [res_b[k] for k in sorted(res_b.keys() - res_a.keys())]
    removed = [res_a[k] for k in sorted(res_a.keys() - res_b.keys())]
    changed: list[Change] = []
    for key in sorted(res_a.keys() & res_b.keys()):
        before = _normalized(res_a[key], a.stack, norm_a)
        after = _normalized(res_b[key], b.stack, norm_b)
        if before == after:
            continue
        paths = sorted(before.keys() | after.keys())
        inputs = [(p, before.get(p), after.get(p)) for p in paths if before.get(p) != after.get(p)]
        rtype = res_b[key]["type"]
        top = {p.split(".")[0].split("[")[0] for p, _, _ in inputs if not p.startswith("<")}
        verdict = classify(rtype, top)
        changed.append(
            Change(
                key=key,
                type=rtype,
                name=res_b[key]["name"],
                inputs=inputs,
                usd_before=cost_a.get(key, 0.0),
                usd_after=cost_b.get(key, 0.0),
                replaces=list(verdict.replaces),
                unknown=list(verdict.unknown),
            )
        )

    warnings = _stateful_warnings(added, removed, changed)
    usd = {
        k: round(cost_b.get(k, 0.0) - cost_a.get(k, 0.0), 2)
        for k in cost_a.keys() | cost_b.keys()
        if round(cost_b.get(k, 0.0) - cost_a.get(k, 0.0), 2)
    }
    return PlanDiff(a, b, added, removed, changed, warnings, usd)


def _stateful_warnings(
    added: list[dict[str, Any]], removed: list[dict[str, Any]], changed: list[Change]
) -> list[DataLossWarning]:
    warnings: list[DataLossWarning] = []
    added_by_type_name = {(r["type"], r["name"]): r for r in added}
    for resource in removed:
        if resource["type"] not in STATEFUL_TYPES:
            continue
        moved_to = added_by_type_name.get((resource["type"], resource["name"]))
        if moved_to is not None:
            warnings.append(
                DataLossWarning(
                    "REPLACEMENT",
                    resource["type"],
                    resource["name"],
                    f"{resource['type']} '{resource['name']}' moves from URN {resource['urn']} "
                    f"to {moved_to['urn']}: Pulumi deletes the old one and creates a new one "
                    "(data loss) unless the move is declared with `aliases=`",
                )
            )
        else:
            warnings.append(
                DataLossWarning(
                    "DELETION",
                    resource["type"],
                    resource["name"],
                    f"{resource['type']} '{resource['name']}' ({resource['urn']}) is removed: "
                    "its data is deleted with it",
                )
            )
    for change in changed:
        if change.type in STATEFUL_TYPES and change.replaces:
            warnings.append(
                DataLossWarning(
                    "REPLACEMENT",
                    change.type,
                    change.name,
                    f"{change.type} '{change.name}' changes {', '.join(change.replaces)}, "
                    "which forces a replacement (data loss)",
                )
            )
        elif change.type in STATEFUL_TYPES and change.unknown:
            warnings.append(
                DataLossWarning(
                    "MAY REPLACE",
                    change.type,
                    change.name,
                    f"{change.type} '{change.name}' changes {', '.join(change.unknown)}, which "
                    "infra/data/replacements.json does not know: it may force a replacement "
                    "(data loss)",
                )
            )
    return warnings


def _short(value: Any, width: int = 60) -> str:
    text = "(none)" if value is None else json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 3] + "..."


def _usd(value: float, signed: bool = False) -> str:
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def render_text(diff: PlanDiff) -> str:
    """Plain text for a terminal."""
    a, b = diff.a, diff.b
    lines = [
        f"diff {a.label} -> {b.label}: +{len(diff.added)} added, -{len(diff.removed)} removed, "
        f"~{len(diff.changed)} changed",
        f"cost: {_usd(a.monthly_usd)} -> {_usd(b.monthly_usd)} USD/month "
        f"({_usd(diff.cost_delta, signed=True)})",
    ]
    for warning in diff.warnings:
        lines.append(f"!!! {warning.kind} / DATA LOSS: {warning.message}")
    if diff.added:
        lines.append("added:")
        for r in diff.added:
            extra = _cost_suffix(diff, r, b)
            lines.append(f"  + {r['type']}  {r['name']}{extra}")
    if diff.removed:
        lines.append("removed:")
        for r in diff.removed:
            extra = _cost_suffix(diff, r, a)
            lines.append(f"  - {r['type']}  {r['name']}{extra}")
    if diff.changed:
        lines.append("changed:")
        for c in diff.changed:
            delta = c.usd_after - c.usd_before
            extra = f"  ({_usd(delta, signed=True)} USD/month)" if round(delta, 2) else ""
            lines.append(f"  ~ {c.type}  {c.name}{extra}")
            for path, before, after in c.inputs:
                lines.append(f"      {path}: {_short(before)} -> {_short(after)}")
    return "\n".join(lines)


def _cost_suffix(diff: PlanDiff, resource: dict[str, Any], side: Side) -> str:
    delta = diff.usd.get(_key(resource["urn"], side.stack))
    return f"  ({_usd(delta, signed=True)} USD/month)" if delta else ""


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _section(title: str, rows: list[str]) -> list[str]:
    """A heading and a table; long tables fold so the PR comment stays readable."""
    if len(rows) - 2 <= FOLD_ROWS:
        return [f"#### {title}", "", *rows]
    return [f"<details><summary><b>{title}</b></summary>", "", *rows, "", "</details>"]


def render_markdown(diff: PlanDiff) -> str:
    """Markdown for a pull-request comment."""
    a, b = diff.a, diff.b
    count_a, count_b = len(a.document["resources"]), len(b.document["resources"])
    out = [
        f"### Plan diff `{_md(a.label)}` → `{_md(b.label)}`",
        "",
        f"| | `{_md(a.label)}` | `{_md(b.label)}` | delta |",
        "|---|---:|---:|---:|",
        f"| resources | {count_a} | {count_b} | {count_b - count_a:+d} |",
        f"| est. USD/month | {_usd(a.monthly_usd)} | {_usd(b.monthly_usd)} | "
        f"**{_usd(diff.cost_delta, signed=True)}** |",
        "",
        f"**{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed.**",
    ]
    if diff.warnings:
        out += ["", "> [!CAUTION]", "> **Stateful resources would be replaced or deleted:**"]
        out += [f"> - **{w.kind}**: {_md(w.message)}" for w in diff.warnings]
    for title, resources, side in (
        ("Added", diff.added, b),
        ("Removed", diff.removed, a),
    ):
        if not resources:
            continue
        rows = ["| type | name | USD/month |", "|---|---|---:|"]
        for r in resources:
            delta = diff.usd.get(_key(r["urn"], side.stack), 0.0)
            rows.append(
                f"| `{r['type']}` | {_md(r['name'])} | {_usd(delta, True) if delta else ''} |"
            )
        out += ["", *_section(f"{title} ({len(resources)})", rows)]
    if diff.changed:
        rows = [
            "| type | name | changed inputs (before → after) | USD/month |",
            "|---|---|---|---:|",
        ]
        for c in diff.changed:
            shown = [
                f"`{_md(path)}`: {_md(_short(before, 40))} → {_md(_short(after, 40))}"
                for path, before, after in c.inputs[:MAX_INPUTS_PER_ROW]
            ]
            if len(c.inputs) > MAX_INPUTS_PER_ROW:
                shown.append(f"… {len(c.inputs) - MAX_INPUTS_PER_ROW} more")
            delta = round(c.usd_after - c.usd_before, 2)
            rows.append(
                f"| `{c.type}` | {_md(c.name)} | {'<br>'.join(shown)} | "
                f"{_usd(delta, True) if delta else ''} |"
            )
        out += ["", *_section(f"Changed ({len(diff.changed)})", rows)]
    return "\n".join(out) + "\n"
