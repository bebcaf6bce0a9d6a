"""The ML lifecycle loop and the component wiring, read back from a plan document.

Everything here is derived from the planned resources (types, names, inputs, dependsOn),
never from the stack file, so the view shows what the program really creates: a part the
program does not create for a family is shown as absent. Per model family the loop is
pipeline -> schedule -> drift trigger -> approval rule -> baseline copy -> endpoint(s) ->
monitors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

PIPELINE = "aws:sagemaker/pipeline:Pipeline"
SCHEDULE = "aws:scheduler/schedule:Schedule"
RULE = "aws:cloudwatch/eventRule:EventRule"
GROUP = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
MODEL = "aws:sagemaker/model:Model"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
MONITOR = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
APPROVAL_EVENT = "SageMaker Model Package State Change"
ALARM_EVENT = "CloudWatch Alarm State Change"
LOOP_PARTS = (
    "pipeline", "schedule", "drift trigger", "approval rule", "baseline copy", "endpoint",
    "monitors",
)  # fmt: skip
# How the parts feed each other: (from, to, label).
LOOP_EDGES = (
    ("schedule", "pipeline", "runs"),
    ("drift trigger", "pipeline", "starts"),
    ("pipeline", "approval rule", "registers; approved"),
    ("approval rule", "endpoint", "promote PR"),
    ("pipeline", "baseline copy", "approved; baseline"),
    ("baseline copy", "monitors", "baseline"),
    ("endpoint", "monitors", "captures"),
    ("monitors", "drift trigger", "violations"),
)
Resource = dict[str, Any]


def _of(doc: dict[str, Any], type_token: str) -> list[Resource]:
    return [r for r in doc["resources"] if r["type"] == type_token]


def _physical(resource: Resource) -> str:
    inputs = resource["inputs"]
    for key in ("name", "pipelineName", "modelPackageGroupName"):
        if isinstance(inputs.get(key), str):
            return str(inputs[key])
    return str(resource["name"])


def _mentions(resource: Resource, family: str) -> bool:
    return any(
        re.search(rf"(^|-){re.escape(family)}(-|$)", text)
        for text in (resource["name"], _physical(resource))
    )


def _pattern(resource: Resource) -> dict[str, Any]:
    try:
        pattern = json.loads(resource["inputs"].get("eventPattern") or "{}")
    except (TypeError, ValueError):
        return {}
    return pattern if isinstance(pattern, dict) else {}


def families(doc: dict[str, Any]) -> dict[str, str]:
    """Model family -> its model package group name (`mlops-<stack>-<family>`)."""
    prefix = f"mlops-{doc['stack']}-"
    groups = (_physical(g) for g in _of(doc, GROUP))
    return {g.removeprefix(prefix): g for g in groups if g.startswith(prefix)}


def _top(by_urn: dict[str, Resource], resource: Resource) -> str:
    while resource["parent"] in by_urn:
        resource = by_urn[resource["parent"]]
    return str(resource["urn"])


def _served(doc: dict[str, Any], family: str) -> list[tuple[str, str]]:
    """(endpoint name, version) of the endpoints serving the family."""
    by_urn = {r["urn"]: r for r in doc["resources"]}
    served = []
    for model in _of(doc, MODEL):
        if (model["inputs"].get("tags") or {}).get("model") != family:
            continue
        package = str((model["inputs"].get("primaryContainer") or {}).get("modelPackageName", ""))
        version = package.rsplit("/", 1)[-1] if package else "artifact"
        component = _top(by_urn, model)
        for endpoint in _of(doc, ENDPOINT):
            if _top(by_urn, endpoint) == component:
                served.append((_physical(endpoint), version))
    return served


def _approvals(doc: dict[str, Any], group: str) -> tuple[list[str], list[str]]:
    """(approval rules, baseline-copy state machines) acting on the group's approvals.

    A rule whose component runs a state machine copies baselines; any other approval rule
    dispatches a promotion."""
    by_urn = {r["urn"]: r for r in doc["resources"]}
    machines: dict[str, list[str]] = {}
    for machine in _of(doc, STATE_MACHINE):
        machines.setdefault(_top(by_urn, machine), []).append(_physical(machine))
    rules, copies = [], []
    for rule in _of(doc, RULE):
        pattern = _pattern(rule)
        if APPROVAL_EVENT not in pattern.get("detail-type", []):
            continue
        if group not in (pattern.get("detail") or {}).get("ModelPackageGroupName", []):
            continue
        top = _top(by_urn, rule)
        if top in machines:
            copies.extend(machines[top])
        else:
            rules.append(_physical(rule))
    return rules, copies


def loop_chain(doc: dict[str, Any], family: str, group: str) -> dict[str, list[str]]:
    """Part of the loop -> what the plan creates for it (empty: absent)."""
    rules = _of(doc, RULE)
    approval, copies = _approvals(doc, group)
    drift = [
        _physical(r)
        for r in rules
        if _mentions(r, family)
        and (ALARM_EVENT in _pattern(r).get("detail-type", []) or "drift" in r["name"])
    ]
    served = _served(doc, family)
    monitors = [
        f"{(m['inputs'].get('monitoringScheduleConfig') or {}).get('monitoringType')}"
        f" ({_physical(m)})"
        for m in _of(doc, MONITOR)
        if any(_physical(m).startswith(f"{name}-") for name, _ in served)
    ]
    return {
        "pipeline": [_physical(p) for p in _of(doc, PIPELINE) if _mentions(p, family)],
        "schedule": [_physical(s) for s in _of(doc, SCHEDULE) if _mentions(s, family)],
        "drift trigger": drift,
        "approval rule": approval,
        "baseline copy": copies,
        "endpoint": [f"{name} v{version}" for name, version in served],
        "monitors": monitors,
    }


def loop_lines(doc: dict[str, Any]) -> list[str]:
    """One line per model family: its loop, absent parts named as such."""
    lines = []
    for family, group in sorted(families(doc).items()):
        chain = loop_chain(doc, family, group)
        parts = [f"{part}: {', '.join(chain[part]) or 'absent'}" for part in LOOP_PARTS]
        lines.append(f"{family}: " + " -> ".join(parts))
    return lines


def _node(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _label(text: str) -> str:
    return text.replace('"', "'")


def component_edges(doc: dict[str, Any]) -> list[tuple[Resource, Resource]]:
    """(from, to) top-level components, where `to` depends on something in `from`."""
    by_urn = {r["urn"]: r for r in doc["resources"]}
    edges: set[tuple[str, str]] = set()
    for resource in doc["resources"]:
        for dependency in resource["dependsOn"]:
            if dependency in by_urn:
                pair = (_top(by_urn, by_urn[dependency]), _top(by_urn, resource))
                if pair[0] != pair[1]:
                    edges.add(pair)
    return [(by_urn[a], by_urn[b]) for a, b in sorted(edges)]


def _loop_diagram(doc: dict[str, Any]) -> Iterable[str]:
    for family, group in sorted(families(doc).items()):
        chain = loop_chain(doc, family, group)
        yield f'  subgraph loop_{_node(family)}["lifecycle: {_label(family)}"]'
        ids = {part: f"{_node(family)}_{_node(part)}" for part in LOOP_PARTS}
        for part, node in ids.items():
            shown = "<br/>".join(_label(x) for x in chain[part]) or "absent"
            yield f'    {node}["{part}<br/>{shown}"]'
            if not chain[part]:
                yield f"    class {node} absent"
        yield "  end"
        for source, target, label in LOOP_EDGES:
            yield f"  {ids[source]} -->|{label}| {ids[target]}"


def mermaid(doc: dict[str, Any]) -> str:
    """A Mermaid flowchart: the components and their wiring, then each family's loop."""
    lines = ["flowchart LR", "  classDef absent stroke-dasharray: 4 4,color:#888"]
    for top in (r for r in doc["resources"] if r["parent"] is None):
        short = top["type"].rsplit(":", 1)[-1]
        lines.append(f'  {_node(top["name"])}["{_label(top["name"])}<br/>{short}"]')
    for a, b in component_edges(doc):
        lines.append(f"  {_node(a['name'])} --> {_node(b['name'])}")
    lines += list(_loop_diagram(doc))
    return "\n".join(lines) + "\n"
