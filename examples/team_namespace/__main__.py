"""TeamNamespace: one team's namespace, quota, network policies and workload identity on an
existing EKS cluster, through a Kubernetes provider for the operator's kubeconfig context.

TrainingCluster creates one per team itself; use this directly for a cluster it does not own.
"""

import pulumi
import pulumi_kubernetes as k8s

from components import Deployment, TeamArgs
from components.training_cluster.workloads import TeamNamespace

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)
cluster = "mlops-dev-training"
provider = k8s.Provider("training-cluster", context=cluster)

team = TeamNamespace(
    "team-research",
    TeamArgs(name="research", cpu_quota=32, memory_quota_gib=128, gpu_quota=2),
    deployment,
    cluster_name=cluster,
    physical_cluster_name=cluster,
    provider=provider,
    kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    workload_bucket_arns=["arn:aws:s3:::mlops-dev-features-123456789012"],
    model_package_group_arns=[
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/mlops-dev-fraud-detector"
    ],
)

pulumi.export("team_role_arn", team.role_arn)
