"""GpuObservability: DCGM exporter on a cluster's GPU nodes, an encrypted Managed Prometheus
workspace with the EKS managed scraper, and GPU alerts to an alert topic.
"""

import pulumi
import pulumi_kubernetes as k8s

from components import Deployment, GpuObservability, GpuObservabilityArgs

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

# In the platform: TrainingCluster.kubernetes_provider.
cluster = k8s.Provider("cluster", kubeconfig="{}")

gpu = GpuObservability(
    "gpu-observability",
    GpuObservabilityArgs(
        cluster_arn="arn:aws:eks:eu-west-1:123456789012:cluster/mlops-dev-training",
        subnet_ids=["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        security_group_ids=["sg-0a1b2c3d4e5f60001"],
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        alert_topic_arn="arn:aws:sns:eu-west-1:123456789012:mlops-dev-alerts",
        kubernetes_provider=cluster,
        gpu_node_selector={"mlops-platform/node-kind": "gpu"},
        idle_percent=15,
        idle_minutes=20,
    ),
    deployment,
)

pulumi.export("prometheus_endpoint", gpu.prometheus_endpoint)
