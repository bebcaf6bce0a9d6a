"""GPU observability: DCGM exporter on GPU nodes, an encrypted AMP workspace with the EKS
managed scraper, alert rules for idle GPUs, XID errors and pending pods to the alert topic,
and a per-team GPU dashboard."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from components.gpu_observability import DCGM_CHART_VERSION, team_dashboard
from infra.plan import Plan
from tests.helpers import of_type, policy_json

WORKSPACE = "aws:amp/workspace:Workspace"
SCRAPER = "aws:amp/scraper:Scraper"


@pytest.fixture(scope="module")
def prod(shipped_plan: Callable[[str], Plan]) -> Plan:
    return shipped_plan("prod")


def one(plan: Plan, type_token: str) -> dict[str, Any]:
    (found,) = of_type(plan, type_token)
    return found


def test_every_stack_with_gpus_gets_a_workspace_and_scraper(any_shipped_plan: Plan) -> None:
    workspace = one(any_shipped_plan, WORKSPACE)
    (key,) = of_type(any_shipped_plan, "aws:kms/key:Key")
    assert key["urn"] in workspace["dependsOn"]  # encrypted with the platform key
    assert workspace["inputs"]["kmsKeyArn"].startswith("arn:aws:kms:")
    scraper = one(any_shipped_plan, SCRAPER)["inputs"]
    (cluster,) = of_type(any_shipped_plan, "aws:eks/cluster:Cluster")
    assert scraper["source"]["eks"]["clusterArn"].endswith(f"/{cluster['inputs']['name']}")
    assert ":workspace/" in scraper["destination"]["amp"]["workspaceArn"]


def test_scraper_collects_dcgm_and_the_scheduler(prod: Plan) -> None:
    config = yaml.safe_load(one(prod, SCRAPER)["inputs"]["scrapeConfiguration"])
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"dcgm-exporter", "kube-scheduler"}
    keep = jobs["dcgm-exporter"]["relabel_configs"]
    assert {"source_labels": ["__meta_kubernetes_pod_container_port_number"],
            "action": "keep", "regex": "9400"} in keep  # fmt: skip


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(DCGM_[A-Z_]+|scheduler_[a-z_]+)\b", expr))


def test_scraper_keeps_exactly_the_series_the_alerts_and_dashboard_read(prod: Plan) -> None:
    # AMP bills every sample collected and ingested: a dropped series silences an alert, a
    # kept unread one is paid for nothing.
    config = yaml.safe_load(one(prod, SCRAPER)["inputs"]["scrapeConfiguration"])
    kept: set[str] = set()
    for job in config["scrape_configs"]:
        (keep,) = job["metric_relabel_configs"]
        assert keep["source_labels"] == ["__name__"] and keep["action"] == "keep"
        kept |= set(keep["regex"].split("|"))
    rules = one(prod, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")["inputs"]["data"]
    (group,) = yaml.safe_load(rules)["groups"]
    read = {name for rule in group["rules"] for name in _metric_names(rule["expr"])}
    read |= {
        name
        for panel in team_dashboard()["panels"]
        for target in panel["targets"]
        for name in _metric_names(target["expr"])
    }
    assert kept == read


def test_alert_rules_cover_idle_gpus_xid_errors_and_pending_pods(prod: Plan) -> None:
    rules = one(prod, "aws:amp/ruleGroupNamespace:RuleGroupNamespace")["inputs"]["data"]
    (group,) = yaml.safe_load(rules)["groups"]
    alerts = {rule["alert"]: rule for rule in group["rules"]}
    assert set(alerts) == {"GpuAllocatedButIdle", "GpuXidError", "PodsPendingForGpuCapacity"}
    idle = alerts["GpuAllocatedButIdle"]
    assert 'pod!=""' in idle["expr"] and idle["expr"].endswith("< 10") and idle["for"] == "30m"
    assert "DCGM_FI_DEV_XID_ERRORS" in alerts["GpuXidError"]["expr"]


def test_alert_manager_publishes_to_the_alert_topic(prod: Plan) -> None:
    definition = one(prod, "aws:amp/alertManagerDefinition:AlertManagerDefinition")
    config = yaml.safe_load(
        yaml.safe_load(definition["inputs"]["definition"])["alertmanager_config"]
    )
    (topic,) = of_type(prod, "aws:sns/topic:Topic")
    (receiver,) = config["receivers"]
    (sns,) = receiver["sns_configs"]
    assert sns["topic_arn"].split(":")[-1].split("/")[-1] == topic["inputs"]["name"]
    assert config["route"]["receiver"] == receiver["name"]
    # The topic and its key let the workspace's alert manager publish (this account only).
    (topic_policy,) = of_type(prod, "aws:sns/topicPolicy:TopicPolicy")
    statements = {s["Sid"]: s for s in policy_json(topic_policy)["Statement"]}
    aps = statements["ManagedPrometheusAlertsPublish"]
    assert aps["Principal"] == {"Service": "aps.amazonaws.com"}
    assert "aws:SourceAccount" in aps["Condition"]["StringEquals"]
    (key,) = of_type(prod, "aws:kms/key:Key")
    key_statements = json.loads(key["inputs"]["policy"])["Statement"]
    assert any("aps.amazonaws.com" in s["Principal"].get("Service", []) for s in key_statements
               if isinstance(s.get("Principal"), dict))  # fmt: skip


def test_dcgm_exporter_runs_only_on_gpu_nodes(prod: Plan) -> None:
    (release,) = [r for r in of_type(prod, "kubernetes:helm.sh/v3:Release")
                  if r["inputs"]["name"] == "dcgm-exporter"]  # fmt: skip
    values = release["inputs"]["values"]
    assert release["inputs"]["version"] == DCGM_CHART_VERSION
    assert values["nodeSelector"] == {"mlops-platform/node-kind": "gpu"}
    assert values["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    # Every GPU pool's nodes carry the label the exporter selects.
    for pool in of_type(prod, "kubernetes:karpenter.sh/v1:NodePool"):
        labels = pool["inputs"]["spec"]["template"]["metadata"]["labels"]
        if pool["inputs"]["spec"]["template"]["spec"].get("taints"):
            assert labels["mlops-platform/node-kind"] == "gpu"


def test_dashboard_shows_gpu_use_per_team() -> None:
    dashboard = team_dashboard()
    assert dashboard["panels"]
    # Every panel reads the Prometheus source picked on import, none a hard-coded one.
    (variable,) = dashboard["templating"]["list"]
    assert variable["type"] == "datasource" and variable["query"] == "prometheus"
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": f"${{{variable['name']}}}"}
    for panel in dashboard["panels"]:
        (target,) = panel["targets"]
        assert "by (namespace)" in target["expr"]  # a team is its namespace
        assert target["legendFormat"] == "{{namespace}}"
