"""Lifecycle: one family's weekly retraining pipeline (XGBoost from the catalog), started
also by drift on its endpoint, registering versions for approval.
"""

import pulumi

from components import Deployment, Lifecycle, LifecycleArgs, catalog
from components.lifecycle import DriftArgs, PipelineArgs

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)
region = deployment.region
image = catalog.framework_image("xgboost", "1.7-1", region, "training")
inference = catalog.framework_image("xgboost", "1.7-1", region, "inference")
assert image and inference

lifecycle = Lifecycle(
    "lifecycle",
    LifecycleArgs(
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        artifact_bucket_name="mlops-dev-artifacts-123456789012",
        artifact_bucket_arn="arn:aws:s3:::mlops-dev-artifacts-123456789012",
        vpc_id="vpc-0123456789abcdef0",
        subnet_ids=["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        alert_topic_arn="arn:aws:sns:eu-west-1:123456789012:mlops-dev-alerts",
        pipelines=[
            PipelineArgs(
                family="fraud-detector",
                model_package_group_name=deployment.name("fraud-detector"),
                training_image=image,
                inference_image=inference,
                quality_check_image=f"468650794304.dkr.ecr.{region}.amazonaws.com/"
                "sagemaker-model-monitor-analyzer:latest",
                input_bucket_arn="arn:aws:s3:::mlops-dev-artifacts-123456789012",
                input_bucket_name="mlops-dev-artifacts-123456789012",
                input_prefix="datasets/fraud/",
                metric_name="validation:auc",
                metric_threshold=0.9,
                hyperparameters={"objective": "binary:logistic", "num_round": "100"},
                schedule_expression="cron(0 3 ? * SUN *)",
                drift=DriftArgs(
                    monitors=[(deployment.name("fraud"), deployment.name("fraud-data-quality"))],
                    features=["txn_amount_24h"],
                    threshold=0.2,
                ),
            )
        ],
    ),
    deployment,
)

pulumi.export("pipeline_names", lifecycle.pipeline_names)
