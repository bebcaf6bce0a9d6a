"""GpuObservability: who uses the GPUs, and alerts when they sit idle or fail.

The DCGM exporter runs on GPU nodes only (pinned chart) and labels each GPU's metrics with
the pod, and so the namespace (team), it is allocated to. The EKS managed scraper of Amazon
Managed Service for Prometheus collects them (no Prometheus to run in the cluster) into a
workspace encrypted with the platform key, along with the scheduler's pending-pod gauge
from the EKS control-plane metrics endpoint. Alert rules in the workspace fire on idle
GPUs, XID errors and long-pending pods; its alert manager publishes to the alert topic.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .context import Deployment
from .helm_release import PinnedChart, pinned_release

DCGM_CHART = "dcgm-exporter"
DCGM_REPOSITORY = "https://nvidia.github.io/dcgm-exporter/helm-charts"
# A chart the repository's index is known to publish (dcgm-exporter 4.5.3-4.8.2); a version
# the index lacks fails the Helm release at deploy time, which no offline plan would notice.
DCGM_CHART_VERSION = "4.8.2"
DCGM_PORT = 9400
# The user the managed scraper acts as inside the cluster (fixed by the service).
SCRAPER_USER = "aps-collector-user"
SCHEDULER_METRICS = "/apis/metrics.eks.amazonaws.com/v1/ksh/container/metrics"
# The only series the alert rules and the dashboard read. The scraper keeps these and drops
# the rest after each scrape, because AMP bills every sample collected and ingested: the
# exporter's default counters and the scheduler's histograms would cost far more than the
# series the platform uses (a test checks the rules and the dashboard read nothing else).
DCGM_SERIES = ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_XID_ERRORS")
SCHEDULER_SERIES = ("scheduler_pending_pods",)


@dataclass
class GpuObservabilityArgs:
    """Inputs of GpuObservability.

    Args:
        cluster_arn: The EKS cluster the scraper reads.
        subnet_ids: Subnets of the scraper's network interfaces (the cluster's).
        security_group_ids: Security groups of the scraper's interfaces (the cluster's).
        kms_key_arn: Key encrypting the workspace.
        alert_topic_arn: Topic the alert manager publishes to.
        kubernetes_provider: Provider of the cluster (exporter and scraper RBAC).
        gpu_node_selector: Node label selecting GPU nodes.
        gpu_taint_key: Taint GPU nodes carry (`NoSchedule`), tolerated by the exporter.
        idle_percent: A GPU allocated to a pod but below this utilisation is idle.
        idle_minutes: How long a GPU stays idle before the alert fires.
        pending_minutes: How long pods stay unschedulable before the alert fires.
        scrape_interval_seconds: Scrape interval.
    """

    cluster_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str]
    kubernetes_provider: k8s.Provider
    gpu_node_selector: dict[str, str]
    gpu_taint_key: str = "nvidia.com/gpu"
    idle_percent: int = 10
    idle_minutes: int = 30
    pending_minutes: int = 15
    scrape_interval_seconds: int = 30


def _keep_only(series: Sequence[str]) -> list[dict[str, Any]]:
    """Metric relabelling that keeps only `series` (target health series are kept anyway)."""
    return [{"source_labels": ["__name__"], "action": "keep", "regex": "|".join(series)}]


def scrape_configuration(interval_seconds: int) -> str:
    """The managed scraper's Prometheus configuration: DCGM pods and the EKS scheduler,
    each limited to the series the platform reads."""
    config = {
        "global": {"scrape_interval": f"{interval_seconds}s"},
        "scrape_configs": [
            {
                "job_name": "dcgm-exporter",
                "kubernetes_sd_configs": [{"role": "pod"}],
                "relabel_configs": [
                    {
                        "source_labels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
                        "action": "keep",
                        "regex": DCGM_CHART,
                    },
                    {
                        "source_labels": ["__meta_kubernetes_pod_container_port_number"],
                        "action": "keep",
                        "regex": str(DCGM_PORT),
                    },
                    {"source_labels": ["__meta_kubernetes_pod_node_name"], "target_label": "node"},
                ],
                "metric_relabel_configs": _keep_only(DCGM_SERIES),
            },
            {
                "job_name": "kube-scheduler",
                "scheme": "https",
                "metrics_path": SCHEDULER_METRICS,
                "kubernetes_sd_configs": [{"role": "endpoints"}],
                "relabel_configs": [
                    {
                        "source_labels": [
                            "__meta_kubernetes_namespace",
                            "__meta_kubernetes_service_name",
                            "__meta_kubernetes_endpoint_port_name",
                        ],
                        "action": "keep",
                        "regex": "default;kubernetes;https",
                    }
                ],
                "metric_relabel_configs": _keep_only(SCHEDULER_SERIES),
            },
        ],
    }
    return json.dumps(config, indent=2)


def alert_rules(idle_percent: int, idle_minutes: int, pending_minutes: int) -> str:
    """Prometheus rule file: idle GPUs, XID errors, long-pending pods."""
    rules = [
        {
            "alert": "GpuAllocatedButIdle",
            # DCGM labels a GPU with a pod only while one holds it: allocated GPUs only.
            "expr": f'avg by (namespace, pod, node) (DCGM_FI_DEV_GPU_UTIL{{pod!=""}}) '
            f"< {idle_percent}",
            "for": f"{idle_minutes}m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"GPUs of {{{{ $labels.namespace }}}}/{{{{ $labels.pod }}}} below "
                f"{idle_percent}% for {idle_minutes} minutes",
            },
        },
        {
            "alert": "GpuXidError",
            "expr": "max by (node, gpu, Hostname) (DCGM_FI_DEV_XID_ERRORS) > 0",
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "XID {{ $value }} on GPU {{ $labels.gpu }} of {{ $labels.node }}",
            },
        },
        {
            "alert": "PodsPendingForGpuCapacity",
            # With pools, unschedulable pods wait for a node Karpenter cannot launch (pool
            # limits or EC2 capacity): GPU capacity on a GPU cluster.
            "expr": 'sum(scheduler_pending_pods{queue="unschedulable"}) > 0',
            "for": f"{pending_minutes}m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"{{{{ $value }}}} pods unschedulable for {pending_minutes} minutes",
            },
        },
    ]
    return json.dumps({"groups": [{"name": "gpu", "rules": rules}]}, indent=2)


def alert_manager_definition(topic_arn: str, region: str) -> str:
    """Alert manager configuration: every alert to the SNS alert topic."""
    config = {
        "route": {"receiver": "alert-topic", "group_by": ["alertname", "namespace"]},
        "receivers": [
            {
                "name": "alert-topic",
                "sns_configs": [{"topic_arn": topic_arn, "sigv4": {"region": region}}],
            }
        ],
    }
    return "alertmanager_config: |\n" + "".join(
        f"  {line}\n" for line in json.dumps(config, indent=2).splitlines()
    )


def dcgm_values(node_selector: dict[str, str], taint_key: str) -> dict[str, Any]:
    """Chart values: GPU nodes only, no ServiceMonitor (the managed scraper finds the pods)."""
    return {
        "nodeSelector": node_selector,
        "tolerations": [{"key": taint_key, "operator": "Exists", "effect": "NoSchedule"}],
        "serviceMonitor": {"enabled": False},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"memory": "512Mi"},
        },
    }


def team_dashboard() -> dict[str, Any]:
    """Grafana dashboard: GPU utilisation and allocated GPUs per team (namespace).

    Its panels read the Prometheus data source chosen in the dashboard's `datasource`
    variable (the workspace's), so it imports into any Grafana unchanged.
    """

    def panel(index: int, title: str, expr: str, unit: str) -> dict[str, Any]:
        return {
            "id": index,
            "type": "timeseries",
            "title": title,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 9, "w": 12, "x": 12 * (index % 2), "y": 9 * (index // 2)},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "targets": [{"refId": "A", "expr": expr, "legendFormat": "{{namespace}}"}],
        }

    return {
        "title": "GPU utilisation per team",
        "uid": "mlops-gpu-teams",
        "schemaVersion": 39,
        "time": {"from": "now-24h", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "label": "Prometheus workspace", "type": "datasource",
                 "query": "prometheus"}
            ]
        },
        "panels": [
            panel(0, "GPU utilisation per team", 'avg by (namespace) '
                  '(DCGM_FI_DEV_GPU_UTIL{pod!=""})', "percent"),
            panel(1, "GPUs allocated per team", 'count by (namespace) '
                  '(DCGM_FI_DEV_GPU_UTIL{pod!=""})', "none"),
            panel(2, "GPU memory used per team", 'sum by (namespace) '
                  '(DCGM_FI_DEV_FB_USED{pod!=""})', "decmbytes"),
            panel(3, "Idle allocated GPUs per team", 'count by (namespace) '
                  '(DCGM_FI_DEV_GPU_UTIL{pod!=""} < 10)', "none"),
        ],
    }  # fmt: skip


class GpuObservability(pulumi.ComponentResource):
    """DCGM exporter, an encrypted AMP workspace with the EKS managed scraper, GPU alerts.

    Outputs:
        workspace_arn: The Prometheus workspace.
        prometheus_endpoint: Its query endpoint (for Grafana).
    """

    # AWS types it creates, none before the cluster's Kubernetes layer exists: the CI deploy
    # role is granted them from a first deploy on (infra/__main__.py).
    RESOURCE_TYPES = (
        "aws:amp/workspace:Workspace",
        "aws:amp/scraper:Scraper",
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace",
        "aws:amp/alertManagerDefinition:AlertManagerDefinition",
    )

    workspace_arn: pulumi.Output[str]
    prometheus_endpoint: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: GpuObservabilityArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:monitoring:GpuObservability", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)
        self._dcgm_exporter(name, args, on_cluster)
        rbac = self._scraper_rbac(name, on_cluster)
        workspace = aws.amp.Workspace(
            f"{name}-workspace",
            alias=deployment.name("gpu"),
            kms_key_arn=args.kms_key_arn,
            tags=deployment.tagged(deployment.name("gpu")),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.amp.Scraper(
            f"{name}-scraper",
            alias=deployment.name("gpu"),
            source={
                "eks": {
                    "cluster_arn": args.cluster_arn,
                    "subnet_ids": args.subnet_ids,
                    "security_group_ids": list(args.security_group_ids),
                }
            },
            destination={"amp": {"workspace_arn": workspace.arn}},
            scrape_configuration=scrape_configuration(args.scrape_interval_seconds),
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=workspace, depends_on=rbac),
        )
        aws.amp.RuleGroupNamespace(
            f"{name}-rules",
            name="gpu",
            workspace_id=workspace.id,
            data=alert_rules(args.idle_percent, args.idle_minutes, args.pending_minutes),
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=workspace),
        )
        aws.amp.AlertManagerDefinition(
            f"{name}-alert-manager",
            workspace_id=workspace.id,
            definition=pulumi.Output.from_input(args.alert_topic_arn).apply(
                lambda arn: alert_manager_definition(arn, deployment.region)
            ),
            opts=pulumi.ResourceOptions(parent=workspace),
        )
        self.workspace_arn = workspace.arn
        self.prometheus_endpoint = workspace.prometheus_endpoint
        self.register_outputs(
            {"workspace_arn": self.workspace_arn, "prometheus_endpoint": self.prometheus_endpoint}
        )

    @staticmethod
    def _dcgm_exporter(
        name: str, args: GpuObservabilityArgs, opts: pulumi.ResourceOptions
    ) -> k8s.helm.v3.Release:
        """The pinned DCGM exporter chart, on GPU nodes only."""
        return pinned_release(
            f"{name}-dcgm-exporter",
            PinnedChart(DCGM_CHART, DCGM_CHART, DCGM_CHART_VERSION, DCGM_REPOSITORY),
            namespace="kube-system",
            values=dcgm_values(args.gpu_node_selector, args.gpu_taint_key),
            opts=opts,
        )

    @staticmethod
    def _scraper_rbac(name: str, opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
        """What the managed scraper may read: pod discovery, metrics, scheduler metrics."""
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-scraper-role",
            metadata={"name": "aps-collector-role"},
            rules=[
                {
                    "api_groups": [""],
                    "resources": ["nodes", "nodes/proxy", "nodes/metrics", "services",
                                  "endpoints", "pods"],
                    "verbs": ["get", "list", "watch"],
                },
                {"api_groups": ["discovery.k8s.io"], "resources": ["endpointslices"],
                 "verbs": ["get", "list", "watch"]},
                {"api_groups": ["metrics.eks.amazonaws.com"],
                 "resources": ["kcm/metrics", "ksh/metrics"], "verbs": ["get"]},
                {"non_resource_urls": ["/metrics"], "verbs": ["get"]},
            ],
            opts=opts,
        )  # fmt: skip
        binding = k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-scraper-binding",
            metadata={"name": "aps-collector-user-role-binding"},
            role_ref={
                "api_group": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "aps-collector-role",
            },
            subjects=[
                {"kind": "User", "name": SCRAPER_USER, "api_group": "rbac.authorization.k8s.io"}
            ],
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
        )
        return [role, binding]
