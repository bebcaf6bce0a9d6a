"""Prod data cannot be lost by a refactoring.

A stateful resource whose URN changes is, to Pulumi, a new resource plus a deleted one:
the bucket, feature group or repository would be replaced and its data gone. The URNs of
every stateful prod resource are recorded in `tests/data/prod_stateful_urns.json`; a URN
that disappears fails this test unless the resource that replaces it carries an alias of
the old URN. After a deliberate change, record the new set with

    .venv/bin/python -m tests.test_data_safety --update

The snapshot holds the URNs the Pulumi engine computes (the full chain of parent types),
not the shortened ones the mock monitor hands out, so moving a resource under a different
component is caught too.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.proto import alias_pb2

from infra import plan as plan_module
from infra.config import load_stack_file, stack_file_path
from infra.config.loader import PROJECT, read_stack_file
from infra.mocks import PlatformMocks
from infra.plan import (
    STACK_TYPE,
    Plan,
    RecordingMonitor,
    build_plan,
    config_entries,
    engine_urn,
    qualified_type,
    record_resources,
)
from policy.rules import STATEFUL_TYPES
from tests.stacks import non_prod_stacks, prod_stacks

SNAPSHOT = Path(__file__).parent / "data" / "prod_stateful_urns.json"


# -- URNs as the engine computes them ----------------------------------------------------


def stateful_urns(resources: list[dict[str, Any]]) -> list[str]:
    """The URNs of the stateful resources of a plan (the plan's URNs are the engine's)."""
    return sorted(r["urn"] for r in resources if r["type"] in STATEFUL_TYPES)


# -- aliases ------------------------------------------------------------------------------


class AliasRecordingMonitor(RecordingMonitor):
    """RecordingMonitor that also keeps the aliases each resource declares."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.aliases: dict[str, list[alias_pb2.Alias]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != STACK_TYPE:
            self.aliases[response.urn] = list(request.aliases)
        return response


def alias_urns(
    registrations: list[dict[str, Any]], aliases: dict[str, list[alias_pb2.Alias]], stack: str
) -> dict[str, set[str]]:
    """{engine URN: engine URNs of its aliases}."""
    by_urn = {r["urn"]: r for r in registrations}
    result: dict[str, set[str]] = {}
    for resource in registrations:
        olds: set[str] = set()
        for alias in aliases.get(resource["urn"], []):
            if alias.WhichOneof("alias") == "urn":
                olds.add(alias.urn)
                continue
            spec = alias.spec
            if spec.parentUrn and spec.parentUrn not in by_urn:
                # A parent that no longer exists (a move): its URN names the old chain.
                chain = qualified_type(spec.parentUrn, spec.type or resource["type"])
                name = spec.name or resource["name"]
                olds.add(f"urn:pulumi:{spec.stack or stack}::{PROJECT}::{chain}::{name}")
                continue
            if spec.noParent:
                parent = None
            elif spec.parentUrn:
                parent = spec.parentUrn
            else:
                parent = resource["parent"]
            old = {
                "type": spec.type or resource["type"],
                "name": spec.name or resource["name"],
                "parent": parent,
            }
            olds.add(engine_urn(old, by_urn, spec.stack or stack))
        if olds:
            result[resource["urn"]] = olds
    return result


def run_with_aliases(
    stack: str, run: Callable[[], None] | None = None
) -> tuple[list[dict[str, Any]], dict[str, list[alias_pb2.Alias]]]:
    """Run the program of `stack` (or `run`) under mocks, keeping every declared alias."""
    monitor = AliasRecordingMonitor(PlatformMocks())
    entries: dict[str, str] = {}
    if run is None:
        path = stack_file_path(stack)
        load_stack_file(path)
        entries = config_entries(read_stack_file(path)[1])

        def run() -> None:
            runpy.run_path(str(plan_module.PROGRAM), run_name="__main__")

    registrations, _ = record_resources(run, stack=stack, entries=entries, monitor=monitor)
    return registrations, monitor.aliases


# -- the comparison -----------------------------------------------------------------------


def compare(
    recorded: Iterable[str], current: Iterable[str], aliases: dict[str, set[str]]
) -> tuple[list[str], list[str]]:
    """(lost, unrecorded): recorded URNs no current resource has or aliases, and current
    stateful URNs that are neither recorded nor an aliased rename of a recorded one."""
    recorded, current = set(recorded), set(current)
    lost = recorded - current
    unrecorded = current - recorded
    for new in sorted(unrecorded):
        covered = aliases.get(new, set()) & lost
        if covered:
            lost -= covered
            unrecorded.discard(new)
    return sorted(lost), sorted(unrecorded)


def load_snapshot() -> list[str]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))["urns"]


def write_snapshot(plan: Plan) -> None:
    document = {
        "stack": plan.stack,
        "about": "URNs of stateful prod resources; see tests/test_data_safety.py",
        "urns": stateful_urns(plan.resources),
    }
    SNAPSHOT.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# -- tests ------------------------------------------------------------------------------


def test_stateful_prod_urns_match_the_snapshot(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    current = stateful_urns(plan.resources)
    recorded = load_snapshot()
    aliases: dict[str, set[str]] = {}
    if set(recorded) - set(current):
        # Only a changed URN needs the (slower) second run that reads declared aliases.
        aliases = alias_urns(*run_with_aliases("prod"), "prod")
    lost, unrecorded = compare(recorded, current, aliases)
    assert not lost, (
        "stateful prod resources would be REPLACED (data lost): "
        f"{lost}. Keep their logical name and parent, or add `aliases=` with the old URN."
    )
    assert not unrecorded, (
        f"stateful prod resources missing from {SNAPSHOT.name}: {unrecorded}. "
        "Record them with `python -m tests.test_data_safety --update`."
    )


def test_snapshot_covers_every_kind_of_prod_data() -> None:
    kinds = {urn.split("::")[2].split("$")[-1] for urn in load_snapshot()}
    for kind in (
        "aws:s3/bucket:Bucket",
        "aws:sagemaker/featureGroup:FeatureGroup",
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:ecr/repository:Repository",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:kms/key:Key",
        "aws:cloudwatch/logGroup:LogGroup",
    ):
        assert kind in kinds, kind


def test_engine_urns_carry_the_whole_parent_chain(shipped_plan: Callable[[str], Plan]) -> None:
    current = stateful_urns(shipped_plan("prod").resources)
    assert (
        "urn:pulumi:prod::mlops-platform::mlops:data:FeatureStore$mlops:storage:SecureBucket"
        "$aws:s3/bucket:Bucket::feature-store-offline"
    ) in current


def test_rename_without_alias_is_a_loss() -> None:
    old = "urn:pulumi:prod::mlops-platform::mlops:data:FeatureStore$aws:x:Y::fs-a"
    new = "urn:pulumi:prod::mlops-platform::mlops:data:FeatureStore$aws:x:Y::fs-b"
    assert compare([old], [new], {}) == ([old], [new])
    assert compare([old], [new], {new: {"urn:pulumi:prod::other"}}) == ([old], [new])


def test_rename_with_alias_is_safe() -> None:
    old = "urn:pulumi:prod::mlops-platform::mlops:data:FeatureStore$aws:x:Y::fs-a"
    new = "urn:pulumi:prod::mlops-platform::mlops:data:FeatureStore$aws:x:Y::fs-b"
    assert compare([old], [new, old.replace("fs-a", "fs-c")], {new: {old}}) == (
        [],
        [old.replace("fs-a", "fs-c")],
    )
    assert compare([old], [old], {}) == ([], [])


def test_declared_aliases_resolve_to_the_old_engine_urn() -> None:
    """A bucket renamed, and another moved out of a component, both with aliases."""
    import pulumi_aws as aws

    def run() -> None:
        component = pulumi.ComponentResource("mlops:test:Holder", "holder")
        aws.s3.Bucket(
            "renamed",
            opts=pulumi.ResourceOptions(parent=component, aliases=[pulumi.Alias(name="original")]),
        )
        aws.s3.Bucket(
            "moved",
            opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=component)]),
        )

    registrations, aliases = run_with_aliases("prod", run)
    resolved = alias_urns(registrations, aliases, "prod")
    base = "urn:pulumi:prod::mlops-platform::"
    # (s3.Bucket also declares aliases of its own, from the BucketV2 rename.)
    renamed = resolved[f"{base}mlops:test:Holder$aws:s3/bucket:Bucket::renamed"]
    assert f"{base}mlops:test:Holder$aws:s3/bucket:Bucket::original" in renamed
    moved = resolved[f"{base}aws:s3/bucket:Bucket::moved"]
    assert f"{base}mlops:test:Holder$aws:s3/bucket:Bucket::moved" in moved
    # Without an alias, a recorded URN is still reported lost.
    assert compare([f"{base}aws:s3/bucket:Bucket::original"], [], resolved)[0] != []


@pytest.mark.parametrize("stack", prod_stacks())
def test_every_stateful_prod_resource_is_protected_and_retained(
    stack: str, shipped_plan: Callable[[str], Plan]
) -> None:
    plan = shipped_plan(stack)
    stateful = [r for r in plan.resources if r["type"] in STATEFUL_TYPES]
    assert len(stateful) >= 10
    unsafe = [r["urn"] for r in stateful if not (r["protect"] and r["retainOnDelete"])]
    assert unsafe == []


def test_no_bucket_or_repository_is_force_destroyed_in_prod(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    buckets = [r for r in plan.resources if r["type"] == "aws:s3/bucket:Bucket"]
    assert len(buckets) >= 2
    assert [r["urn"] for r in buckets if r["inputs"].get("forceDestroy")] == []
    repos = [r for r in plan.resources if r["type"] == "aws:ecr/repository:Repository"]
    assert [r["urn"] for r in repos if r["inputs"].get("forceDelete")] == []


@pytest.mark.parametrize("stack", non_prod_stacks())
def test_non_prod_stacks_stay_disposable(stack: str, shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan(stack)
    assert not [r["urn"] for r in plan.resources if r["protect"]]


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.test_data_safety --update")
    prod = build_plan("prod")
    write_snapshot(prod)
    print(f"recorded {len(load_snapshot())} stateful URNs in {SNAPSHOT}")
