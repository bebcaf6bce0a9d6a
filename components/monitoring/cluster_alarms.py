"""Training-cluster alarms on Container Insights metrics (failed nodes, pending pods).

The metrics come from the cluster's CloudWatch observability add-on, which the
TrainingCluster installs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ..context import Deployment
from .endpoint_alarms import metric_alarm


def cluster_alarms(
    name: str,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
    max_pending_pods: int,
    pending_minutes: int,
) -> list[aws.cloudwatch.MetricAlarm]:
    """Nodes failing health checks; pods stuck pending (no capacity)."""
    base = deployment.name("cluster")
    common: dict[str, Any] = {
        "namespace": "ContainerInsights",
        "dimensions": {"ClusterName": cluster_name},
        "period": 60,
        "statistic": "Maximum",
        "comparison_operator": "GreaterThanThreshold",
    }
    return [
        metric_alarm(
            f"{name}-cluster-failed-nodes",
            f"{base}-failed-nodes",
            deployment,
            topic=topic,
            parent=parent,
            alarm_description="Training cluster: nodes failing their health checks",
            metric_name="cluster_failed_node_count",
            evaluation_periods=5,
            threshold=0,
            **common,
        ),
        metric_alarm(
            f"{name}-cluster-pending-pods",
            f"{base}-pending-pods",
            deployment,
            topic=topic,
            parent=parent,
            alarm_description="Training cluster: pods stuck pending (no capacity, "
            "for example GPU nodes that cannot be scheduled)",
            metric_name="pod_status_pending",
            evaluation_periods=pending_minutes,
            threshold=max_pending_pods,
            **common,
        ),
    ]
