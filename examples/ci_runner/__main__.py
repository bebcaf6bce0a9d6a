"""CiRunner: an in-VPC CodeBuild runner for GitHub Actions jobs of a stack.

The VPC and key exist already (created by the platform or by hand); without a cluster
no cluster security group lets the runner in. Its jobs reach the cluster with the CI deploy
role, through that role's access entry (CiClusterAccess).
"""

import pulumi

from components import CiRunner, CiRunnerArgs, Deployment

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="prod",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
    protect_stateful=True,
)
ACCOUNT = "123456789012"

runner = CiRunner(
    "ci-runner",
    CiRunnerArgs(
        github_repository="acme/mlops-platform",
        connection_arn="arn:aws:codeconnections:eu-west-1:123456789012:connection/"
        "0f5c1a2e-7b3d-4e8f-9a6b-2c4d6e8f0a1b",
        compute_type="BUILD_GENERAL1_SMALL",
        image="aws/codebuild/amazonlinux-x86_64-standard:5.0",
        build_timeout_minutes=60,
        queued_timeout_minutes=60,
        kms_key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        vpc_id="vpc-0123456789abcdef0",
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
        log_retention_days=90,
    ),
    deployment,
)

pulumi.export("project_name", runner.project_name)
