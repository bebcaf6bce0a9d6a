"""TrainingCluster: a private EKS cluster with a system node group, GPU nodes that scale
from zero, and one team namespace.

The Kubernetes objects are applied over the cluster API, so deploy from inside the VPC.
"""

import pulumi

from components import (
    Deployment,
    NodeGroupArgs,
    TeamArgs,
    TrainingCluster,
    TrainingClusterArgs,
)

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

training = TrainingCluster(
    "training",
    TrainingClusterArgs(
        kubernetes_version="1.33",
        private_subnet_ids=["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        node_groups=[
            NodeGroupArgs(
                name="system",
                kind="system",
                instance_types=["m6i.large"],
                min_size=1,
                desired_size=2,
                max_size=3,
            ),
            NodeGroupArgs(
                name="gpu",
                kind="gpu",
                instance_types=["g5.xlarge"],
                min_size=0,
                desired_size=0,
                max_size=2,
            ),
        ],
        teams=[TeamArgs(name="research", cpu_quota=16, memory_quota_gib=64, gpu_quota=1)],
        workload_bucket_arns=["arn:aws:s3:::mlops-dev-features-123456789012"],
    ),
    deployment,
)

pulumi.export("cluster_name", training.cluster_name)
