"""The environment's CloudWatch dashboard: a row of charts per endpoint, then the cluster."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from .args import MonitoringArgs

Widget = dict[str, Any]


def _chart(
    region: str, title: str, metrics: list[list[Any]], x: int, y: int, stat: str = "Sum"
) -> Widget:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 8,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stat": stat,
            "period": 60,
            "metrics": metrics,
        },
    }


def _endpoint_row(region: str, name: str, variant: str, y: int) -> list[Widget]:
    dims = ["EndpointName", name, "VariantName", variant]
    sm = "AWS/SageMaker"
    return [
        _chart(
            region,
            f"{name}: invocations and errors",
            [
                [sm, "Invocations", *dims],
                [sm, "Invocation5XXErrors", *dims],
                [sm, "Invocation4XXErrors", *dims],
                [sm, "InvocationModelErrors", *dims],
            ],
            0,
            y,
        ),
        _chart(
            region,
            f"{name}: model latency (us)",
            [
                [sm, "ModelLatency", *dims, {"stat": "p50"}],
                [sm, "ModelLatency", *dims, {"stat": "p99"}],
            ],
            8,
            y,
            stat="p99",
        ),
        _chart(
            region,
            f"{name}: invocations per instance",
            [[sm, "InvocationsPerInstance", *dims]],
            16,
            y,
        ),
    ]


def _cluster_row(region: str, cluster_name: str, y: int) -> list[Widget]:
    dims = ["ClusterName", cluster_name]
    ci = "ContainerInsights"
    rows = [
        ("nodes", ["cluster_node_count", "cluster_failed_node_count"], "Maximum"),
        ("pods", ["pod_status_running", "pod_status_pending"], "Maximum"),
        ("node CPU and memory (%)", ["node_cpu_utilization", "node_memory_utilization"], "Average"),
    ]
    return [
        _chart(
            region, f"{cluster_name}: {title}", [[ci, m, *dims] for m in metrics], 8 * i, y, stat
        )
        for i, (title, metrics, stat) in enumerate(rows)
    ]


def dashboard_body(
    region: str,
    endpoints: Sequence[tuple[str, str]],
    cluster_name: str | None = None,
) -> dict[str, Any]:
    """CloudWatch dashboard body: a row of charts per endpoint, then the cluster's."""
    widgets: list[Widget] = []
    for row, (name, variant) in enumerate(endpoints):
        widgets += _endpoint_row(region, name, variant, 6 * row)
    if cluster_name is not None:
        widgets += _cluster_row(region, cluster_name, 6 * len(endpoints))
    if not widgets:
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": 0,
                "width": 24,
                "height": 2,
                "properties": {"markdown": "No endpoints or cluster in this environment yet."},
            }
        )
    return {"widgets": widgets}


def dashboard(
    name: str, args: MonitoringArgs, region: str, parent: pulumi.Resource
) -> aws.cloudwatch.Dashboard:
    """The dashboard `<name>-dashboard` over the endpoints and cluster of `args`."""
    endpoint_names = [e.endpoint for e in args.endpoints]
    variants = [e.variant_name for e in args.endpoints]

    def body(values: list[Any]) -> str:
        names = values[: len(endpoint_names)]
        cluster = values[len(endpoint_names)] if args.cluster_name is not None else None
        return json.dumps(dashboard_body(region, list(zip(names, variants, strict=True)), cluster))

    inputs: list[Any] = [*endpoint_names]
    if args.cluster_name is not None:
        inputs.append(args.cluster_name)
    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard",
        dashboard_name=args.dashboard_name,
        dashboard_body=pulumi.Output.all(*inputs).apply(body),
        opts=pulumi.ResourceOptions(parent=parent),
    )
