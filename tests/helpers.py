"""Helpers the tests share: reading plans and writing stack files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from components import catalog
from infra.plan import Plan

BASE_STACK: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "mlops-platform:environment": "dev",
    "mlops-platform:tags": {"owner": "ml-platform", "costCenter": "4711"},
}


def current_kubernetes_version() -> str:
    """The newest catalog version in EKS standard support today: what a new stack uses."""
    return catalog.kubernetes_versions_on(date.today())[-1]


def write_stack(tmp_path: Path, config: dict[str, Any], name: str = "Pulumi.test.yaml") -> Path:
    """Write a stack file with `config` as its `config:` mapping."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False), encoding="utf-8")
    return path


def of_type(plan: Plan, type_token: str) -> list[dict[str, Any]]:
    """Resources of one type, e.g. `aws:s3/bucket:Bucket`."""
    return [r for r in plan.resources if r["type"] == type_token]


def by_urn(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in plan.resources}


def policy_json(resource: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    """A resource's JSON policy input, parsed."""
    return json.loads(resource["inputs"][key])


def children_of(plan: Plan, parent_urn: str) -> list[dict[str, Any]]:
    return [r for r in plan.resources if r["parent"] == parent_urn]


def run_component(build: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run `build()` (registers components, returns {key: Output}) under PlatformMocks in an
    isolated Pulumi context; returns (registrations, resolved outputs)."""
    import pulumi
    from pulumi.runtime.sync_await import _sync_await

    from infra.plan import record_resources

    result: dict[str, Any] = {}

    def program() -> None:
        for key, value in build().items():
            result[key] = _sync_await(pulumi.Output.from_input(value).future())

    registrations, _ = record_resources(program, stack="unit")
    return registrations, result
