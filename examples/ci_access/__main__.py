"""CiAccess: the preview and deploy roles GitHub Actions assumes over OIDC for one stack.

Another stack in the account already created the GitHub OIDC provider, so it is reused.
"""

import pulumi

from components import CiAccess, CiAccessArgs, Deployment

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="prod",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
    protect_stateful=True,
)

ci = CiAccess(
    "ci-access",
    CiAccessArgs(
        github_repository="acme/mlops-platform",
        deploy_environment=deployment.stack,
        create_oidc_provider=False,
        state_bucket="acme-pulumi-state",
    ),
    deployment,
)

pulumi.export("preview_role_arn", ci.preview_role_arn)
pulumi.export("deploy_role_arn", ci.deploy_role_arn)
