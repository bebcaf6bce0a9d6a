"""Promotion: an Approved fraud-detector version dispatches the repository's promote
workflow, which opens a pull request pinning it.
"""

import pulumi

from components import Deployment, Promotion, PromotionArgs

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="staging",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

promotion = Promotion(
    "promotion",
    PromotionArgs(
        github_repository="acme/mlops-platform",
        # The secret holds the GitHub token; only its name is given here.
        token_secret="mlops/github-dispatch",
        model_package_groups={"fraud-detector": deployment.name("fraud-detector")},
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        alert_topic_arn="arn:aws:sns:eu-west-1:123456789012:mlops-staging-alerts",
    ),
    deployment,
)

pulumi.export("approval_rules", promotion.rule_names)
