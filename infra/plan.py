"""The offline plan: the real program under Pulumi's mock runtime, reported as a graph.

`build_plan` validates the stack file first (nothing is registered for a bad one), runs
`infra/__main__.py` under `PlatformMocks` in an isolated Pulumi context, and returns the
plan document of the DESIGN contract: every resource with its parent, dependencies,
protect / retainOnDelete flags and camelCase inputs, the stack outputs, a summary, the
policy findings and the cost estimate.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import runpy
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

from .config import ConfigError, PlatformConfig, config_from_mapping
from .config.loader import PROJECT, has_secret, read_stack_file, without_secrets
from .mocks import PlatformMocks

PROGRAM = Path(__file__).resolve().parent / "__main__.py"
STACK_TYPE = "pulumi:pulumi:Stack"


def qualified_type(parent_urn: str | None, type_: str) -> str:
    """The type part of a URN as the engine builds it: the parent's qualified type, `$`, and
    the resource's own type. The stack is nobody's ancestor in a URN, so a top-level
    resource (parent = the stack, or none) has its bare type."""
    if not parent_urn:
        return type_
    parent_type = parent_urn.split("::")[2]
    if parent_type == STACK_TYPE:
        return type_
    return f"{parent_type}${type_}"


def engine_urn(
    resource: dict[str, Any], by_urn: dict[str, dict[str, Any]], stack: str, project: str = ""
) -> str:
    """The URN the engine gives `resource` (a plan entry or {type, name, parent}), computed
    from its type, name and the chain of parents found in `by_urn` (URN -> plan entry).

    A parent missing from `by_urn` is taken as a URN whose qualified type is already the
    whole chain (a parent of an alias that no longer exists, for example)."""
    types = [resource["type"]]
    parent = resource.get("parent")
    while parent:
        if parent not in by_urn:
            chain = parent.split("::")[2]
            if chain != STACK_TYPE:
                types.append(chain)
            break
        types.append(by_urn[parent]["type"])
        parent = by_urn[parent].get("parent")
    return (
        f"urn:pulumi:{stack}::{project or PROJECT}::{'$'.join(reversed(types))}::{resource['name']}"
    )


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps what the engine would see of each registration.

    It hands out the URNs the engine computes (the mock's own carry only the direct
    parent's type, and the stack's type on top-level components), so the plan's URNs work
    with `pulumi state`, `--target` and `aliases=`.
    """

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        settings = pulumi.runtime.settings
        stack, project = settings.get_stack(), settings.get_project()
        return f"urn:pulumi:{stack}::{project}::{qualified_type(parent, type_)}::{name}"

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[dict[str, Any]] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn: str | None = None

    def RegisterResource(self, request: Any) -> Any:
        # pulumi's MockMonitor is unannotated (untyped_calls_exclude misses super() calls).
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type == STACK_TYPE:
            self.stack_urn = response.urn
            return response
        inputs = rpc.deserialize_properties(request.object)
        self.registrations.append(
            {
                "urn": response.urn,
                "type": request.type,
                "name": request.name,
                # Top-level resources are children of the stack; the contract says null.
                "parent": None if request.parent == self.stack_urn else request.parent or None,
                "custom": bool(request.custom),
                "protect": bool(request.protect),
                "retainOnDelete": bool(request.retainOnDelete),
                "dependsOn": sorted(set(request.dependencies)),
                "inputs": _plain(inputs),
            }
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if self.stack_urn and request.urn == self.stack_urn:
            self.stack_outputs = _plain(rpc.deserialize_properties(request.outputs))
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


# How the plan shows a secret input or output: never its value (the plan goes into PR comments).
SECRET_SHOWN = "[secret]"


def _plain(value: Any) -> Any:
    """JSON-safe copy of deserialized properties; secrets are masked."""
    if rpc.is_rpc_secret(value):
        return SECRET_SHOWN
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass
class Plan:
    """The result of one offline run of the program."""

    project: str
    stack: str
    config: PlatformConfig
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    policy: list[dict[str, Any]] = field(default_factory=list)
    # Findings the stack file suppresses, each with the suppression's "reason".
    suppressed: list[dict[str, Any]] = field(default_factory=list)
    # One-line problems that do not stop the plan (a suppression that suppresses nothing).
    warnings: list[str] = field(default_factory=list)
    cost: dict[str, Any] = field(default_factory=lambda: {"monthlyUsd": 0.0, "items": []})
    # The stack file as messages name it.
    source: str = ""

    @property
    def environment(self) -> str:
        return self.config.environment

    def summary(self) -> dict[str, Any]:
        by_type = Counter(r["type"] for r in self.resources)
        by_component: Counter[str] = Counter()
        parents = {r["urn"]: r["parent"] for r in self.resources}
        for resource in self.resources:
            root = resource["urn"]
            while parents.get(root):
                root = parents[root]
            if root != resource["urn"]:
                by_component[root] += 1
        return {
            "total": len(self.resources),
            "byType": dict(sorted(by_type.items())),
            "byComponent": dict(by_component),
        }

    def document(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "environment": self.environment,
            "resources": self.resources,
            "outputs": self.outputs,
            "summary": self.summary(),
            "policy": self.policy,
            "suppressed": self.suppressed,
            "cost": self.cost,
            # Endpoints declared in the stack file but not deployed until a version is pinned.
            "pending": self.config.serving.pending_notes(),
        }


def config_entries(entries: dict[str, Any]) -> dict[str, str]:
    """Stack-file entries as Pulumi passes them to a program: objects as JSON strings."""
    program_entries: dict[str, str] = {}
    for key, value in entries.items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        value = without_secrets(value)
        program_entries[full_key] = value if isinstance(value, str) else json.dumps(value)
    return program_entries


def secret_config_keys(entries: dict[str, Any]) -> list[str]:
    """The stack-file entries Pulumi would hold as secrets (a `secure:` value inside)."""
    return [
        key if ":" in key else f"{PROJECT}:{key}"
        for key, value in entries.items()
        if has_secret(value)
    ]


def run_program(
    stack: str, entries: dict[str, str], region: str, secret_keys: Sequence[str] = ()
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run `infra/__main__.py` once under mocks with the stack's config entries."""
    return record_resources(
        lambda: runpy.run_path(str(PROGRAM), run_name="__main__"),
        stack,
        region,
        entries,
        secret_keys=secret_keys,
    )


def record_resources(
    program: Callable[[], object],
    stack: str = "test",
    region: str = "eu-west-1",
    entries: dict[str, str] | None = None,
    monitor: RecordingMonitor | None = None,
    secret_keys: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run any Pulumi program under `PlatformMocks`; return (registrations, stack outputs).

    Each call gets a fresh context and event loop, so runs in one process never see each
    other's settings, config or resources. Pass a `RecordingMonitor` subclass instance
    (built on `PlatformMocks`) to keep more of each registration than the plan does.
    """

    def isolated() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        recorder = monitor or RecordingMonitor(PlatformMocks(region=region))
        pulumi.runtime.set_mocks(
            recorder.mocks, project=PROJECT, stack=stack, preview=False, monitor=recorder
        )
        pulumi.runtime.set_all_config(entries or {}, list(secret_keys))

        # pulumi.runtime.test is an untyped decorator; run's signature is written here.
        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def run() -> None:
            program()

        try:
            run()
            outputs = _resolve_outputs(pulumi.runtime.settings.get_root_resource())
        finally:
            loop.close()
        return recorder.registrations, outputs

    return contextvars.copy_context().run(isolated)


def _resolve_outputs(root: Any) -> dict[str, Any]:
    from pulumi.runtime.sync_await import _sync_await

    values = getattr(root, "outputs", {}) or {}
    resolved = {}
    for key, value in values.items():
        out = pulumi.Output.from_input(value)
        resolved[key] = _plain(_sync_await(out.future()))
    return resolved


def build_plan(stack: str, config_path: Path | None = None) -> Plan:
    """Validate the stack file and run the program offline. Raises ConfigError."""
    from .config import stack_file_path
    from .costs import UnpricedError, estimate_cost

    path = Path(config_path) if config_path else stack_file_path(stack)
    source, file_entries = read_stack_file(path)
    config = config_from_mapping(file_entries, source, stack_path=path)
    entries = config_entries(file_entries)
    resources, outputs = run_program(
        stack, entries, config.region, secret_config_keys(file_entries)
    )
    # Registration order depends on when Outputs resolve; sort so plans diff cleanly.
    resources.sort(key=lambda r: r["urn"])
    plan = Plan(
        project=PROJECT,
        stack=stack,
        config=config,
        resources=resources,
        outputs=outputs,
        source=source,
    )
    apply_policy(plan, source)
    try:
        plan.cost = estimate_cost(plan)
    except UnpricedError as exc:
        # The schema refuses unpriced types; reaching this means a table lacks an entry.
        raise ConfigError(source, "", f"cannot estimate the plan's cost: {exc}") from None
    return plan


def apply_policy(plan: Plan, source: str) -> None:
    """Policy findings and suppressions into `plan`. A suppression naming no resource of the
    plan is a config error (a typo or a renamed resource); one that matches a resource but
    no finding (fixed since) is a warning."""
    from .config import ConfigError
    from .policy_check import check_policies

    report = check_policies(plan)
    for index, suppression in report.unmatched:
        raise ConfigError(
            source,
            f"policy.suppressions[{index}].resource",
            f"'{suppression.resource}' matches no resource of the plan",
        )
    plan.policy, plan.suppressed = report.findings, report.suppressed
    plan.warnings = [
        f"{source}: policy.suppressions[{index}]: suppresses nothing ('{s.rule}' reports no "
        f"finding on '{s.resource}'); remove it"
        for index, s in report.idle
    ]
