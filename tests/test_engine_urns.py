"""The plan's URNs are the ones the Pulumi engine computes, not the mock monitor's.

The engine's rule: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the
qualified type is the type of every ancestor component, outermost first, then the
resource's own type, joined by `$`; the stack resource is nobody's ancestor in a URN. The
mock monitor only keeps the direct parent's type (and puts `pulumi:pulumi:Stack$` on
top-level components), so a URN from it cannot be used for `pulumi state`, `--target` or
an alias.
"""

from __future__ import annotations

from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from infra.plan import Plan, engine_urn, qualified_type, record_resources

BASE = "urn:pulumi:prod::mlops-platform::"


def _expected(resource: dict, by_urn: dict) -> str:
    """The engine's rule, written out independently of infra.plan."""
    types, parent = [resource["type"]], resource["parent"]
    while parent is not None:
        types.insert(0, by_urn[parent]["type"])
        parent = by_urn[parent]["parent"]
    return f"{BASE}{'$'.join(types)}::{resource['name']}"


def test_every_plan_urn_follows_the_engine_rule(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    by_urn = {r["urn"]: r for r in plan.resources}
    wrong = [r["urn"] for r in plan.resources if r["urn"] != _expected(r, by_urn)]
    assert wrong == []
    assert not [u for u in by_urn if "pulumi:pulumi:Stack" in u]
    # Nesting deeper than one level is what the mock's short form gets wrong.
    assert max(u.split("::")[2].count("$") for u in by_urn) >= 2


def test_a_bucket_under_the_feature_store_carries_its_whole_chain(
    shipped_plan: Callable[[str], Plan],
) -> None:
    urns = {r["urn"] for r in shipped_plan("prod").resources}
    assert (
        f"{BASE}mlops:data:FeatureStore$mlops:storage:SecureBucket"
        "$aws:s3/bucket:Bucket::feature-store-offline"
    ) in urns
    # The mock's short form (direct parent only) is not in the plan.
    assert f"{BASE}mlops:storage:SecureBucket$aws:s3/bucket:Bucket::feature-store-offline" not in (
        urns
    )
    assert f"{BASE}mlops:data:FeatureStore::feature-store" in urns


def test_nested_components_in_any_program() -> None:
    def program() -> None:
        outer = pulumi.ComponentResource("mlops:test:Outer", "outer")
        inner = pulumi.ComponentResource(
            "mlops:test:Inner", "inner", opts=pulumi.ResourceOptions(parent=outer)
        )
        aws.sqs.Queue("queue", opts=pulumi.ResourceOptions(parent=inner))
        aws.sqs.Queue("top")

    registrations, _ = record_resources(program, stack="prod")
    urns = {r["name"]: r["urn"] for r in registrations}
    assert urns == {
        "outer": f"{BASE}mlops:test:Outer::outer",
        "inner": f"{BASE}mlops:test:Outer$mlops:test:Inner::inner",
        "queue": f"{BASE}mlops:test:Outer$mlops:test:Inner$aws:sqs/queue:Queue::queue",
        "top": f"{BASE}aws:sqs/queue:Queue::top",
    }
    by_urn = {r["urn"]: r for r in registrations}
    assert all(engine_urn(r, by_urn, "prod") == r["urn"] for r in registrations)


def test_helpers() -> None:
    stack_urn = "urn:pulumi:prod::mlops-platform::pulumi:pulumi:Stack::mlops-platform-prod"
    assert qualified_type(None, "a:b:C") == "a:b:C"
    assert qualified_type(stack_urn, "a:b:C") == "a:b:C"
    assert qualified_type(f"{BASE}x:y:P$x:y:Q::q", "a:b:C") == "x:y:P$x:y:Q$a:b:C"
    # A parent outside the plan (an alias's old parent) contributes its whole chain.
    gone = {"type": "a:b:C", "name": "c", "parent": f"{BASE}x:y:P$x:y:Q::q"}
    assert engine_urn(gone, {}, "prod") == f"{BASE}x:y:P$x:y:Q$a:b:C::c"
