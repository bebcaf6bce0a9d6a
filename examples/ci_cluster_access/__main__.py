"""CiClusterAccess: EKS access entries for a stack's CI roles on its training cluster.

The cluster and the CI roles exist already (created by the platform or by hand); the
deploy role becomes cluster admin, the preview role a viewer.
"""

import pulumi

from components import CiClusterAccess, CiClusterAccessArgs, Deployment

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="prod",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
    protect_stateful=True,
)
ACCOUNT = "123456789012"

access = CiClusterAccess(
    "ci-cluster-access",
    CiClusterAccessArgs(
        cluster_name=f"mlops-{deployment.stack}-training",
        deploy_role_arn=f"arn:aws:iam::{ACCOUNT}:role/mlops-{deployment.stack}-ci-deploy",
        preview_role_arn=f"arn:aws:iam::{ACCOUNT}:role/mlops-{deployment.stack}-ci-preview",
    ),
    deployment,
)
