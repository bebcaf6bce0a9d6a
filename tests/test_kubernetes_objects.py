"""Every Kubernetes object in every shipped stack's plan is valid for the cluster's version.

The manifest is rebuilt from the plan's recorded inputs — exactly what the Kubernetes
provider would send — and checked with kubernetes-validate in strict mode (unknown fields
are errors, so a misspelt key cannot slip through as silently ignored).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import kubernetes_validate
import pytest

from components import catalog
from infra.plan import Plan
from tests.crds import crd_groups
from tests.helpers import current_kubernetes_version

# Every version a stack may name today (standard or extended support).
SUPPORTED_TODAY = [
    k.version for k in catalog.kubernetes_versions() if k.support_on(date.today()) != "ended"
]


def kubernetes_objects(plan: Plan) -> list[dict[str, Any]]:
    """Built-in objects: not Helm releases (values, tested apart) nor custom resources
    (validated against their CRDs in test_custom_resources, or Kubeflow Trainer's against
    its published API models in test_job_example)."""
    custom = crd_groups() | {"helm.sh", "trainer.kubeflow.org"}
    return [
        r
        for r in plan.resources
        if r["type"].startswith("kubernetes:")
        and r["type"].split(":")[1].split("/")[0] not in custom
    ]


def manifest(resource: dict[str, Any]) -> dict[str, Any]:
    """The object as sent to the API server: apiVersion, kind, metadata, spec/rules/..."""
    return dict(resource["inputs"])


def test_every_kubernetes_object_validates_strictly(any_shipped_plan: Plan) -> None:
    version = any_shipped_plan.config.training.kubernetes_version
    objects = kubernetes_objects(any_shipped_plan)
    assert objects, "a shipped stack with a training cluster renders Kubernetes objects"
    failures = []
    for resource in objects:
        body = manifest(resource)
        assert body["apiVersion"] and body["kind"], resource["urn"]
        assert resource["type"].endswith(f"{body['apiVersion']}:{body['kind']}"), resource["urn"]
        try:
            kubernetes_validate.validate(body, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{resource['name']}: {exc.message}")
    assert failures == []


def test_every_kubernetes_object_is_named(any_shipped_plan: Plan) -> None:
    # Explicit names keep objects stable and let other objects (bindings, policies) refer
    # to them; a provider-generated name would differ per deployment.
    unnamed = [
        r["name"]
        for r in kubernetes_objects(any_shipped_plan)
        if not r["inputs"].get("metadata", {}).get("name")
    ]
    assert unnamed == []


@pytest.mark.parametrize("version", SUPPORTED_TODAY)
def test_supported_versions_are_bundled_by_the_validator(version: str) -> None:
    # A supported version without bundled schemas would silently validate against an
    # older one; every supported version must have its own schemas.
    assert version in {
        kubernetes_validate.utils.major_minor(v) for v in kubernetes_validate.utils.all_versions()
    }


def test_the_validator_rejects_an_unknown_field() -> None:
    # Guards the test above: strict mode must catch a misspelt field.
    body = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q", "namespace": "n"},
        "spec": {"hardd": {"requests.cpu": "1"}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(body, current_kubernetes_version(), strict=True)
