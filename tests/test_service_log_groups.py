"""Log groups AWS services would create on their own exist first, with KMS and retention.

A service that finds no log group creates one: unencrypted and never expiring. Each
group a service of the plan writes to under a name it chooses is created by the platform
before the service starts (and the service waits for it). The one exception is
`/aws/sagemaker/ProcessingJobs`, shared by every processing job of the account and
region (see the README).
"""

from __future__ import annotations

from typing import Any

from infra.plan import Plan
from tests.helpers import of_type

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def expected_log_groups(plan: Plan) -> dict[str, list[str]]:
    """{log group name: URNs of the resources whose service writes to it}."""
    expected: dict[str, list[str]] = {}
    for cluster in of_type(plan, "aws:eks/cluster:Cluster"):
        expected[f"/aws/eks/{cluster['inputs']['name']}/cluster"] = [cluster["urn"]]
    for addon in of_type(plan, "aws:eks/addon:Addon"):
        if addon["inputs"]["addonName"] == "amazon-cloudwatch-observability":
            for kind in ("application", "dataplane", "host", "performance"):
                name = f"/aws/containerinsights/{addon['inputs']['clusterName']}/{kind}"
                expected[name] = [addon["urn"]]
    for endpoint in of_type(plan, "aws:sagemaker/endpoint:Endpoint"):
        expected[f"/aws/sagemaker/Endpoints/{endpoint['inputs']['name']}"] = [endpoint["urn"]]
    return expected


def test_service_log_groups_are_created_first_with_kms_and_retention(
    any_shipped_plan: Plan,
) -> None:
    plan = any_shipped_plan
    groups: dict[str, dict[str, Any]] = {g["inputs"]["name"]: g for g in of_type(plan, LOG_GROUP)}
    depends = {r["urn"]: set(r["dependsOn"]) for r in plan.resources}
    expected = expected_log_groups(plan)
    assert any(name.startswith("/aws/containerinsights/") for name in expected)
    for name, writers in expected.items():
        assert name in groups, f"{name} is not pre-created"
        group = groups[name]
        assert group["inputs"].get("kmsKeyId"), f"{name} is not encrypted"
        assert group["inputs"].get("retentionInDays"), f"{name} never expires"
        for writer in writers:
            assert group["urn"] in depends[writer], f"{writer} does not wait for {name}"


def test_prod_service_log_groups_are_protected(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    groups = {g["inputs"]["name"]: g for g in of_type(plan, LOG_GROUP)}
    for name in expected_log_groups(plan):
        assert groups[name]["protect"] and groups[name]["retainOnDelete"], name
