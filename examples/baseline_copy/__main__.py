"""BaselineCopy: when a fraud-detector version is Approved, its registered drift-check
baseline is copied to baselines/fraud-detector/<version>/, where the data-quality schedules
of the endpoints serving it read their baseline.
"""

import pulumi

from components import BaselineCopy, BaselineCopyArgs, Deployment

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="staging",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)
bucket = deployment.name("artifacts-123456789012")

copy = BaselineCopy(
    "baseline-copy",
    BaselineCopyArgs(
        model_package_groups={"fraud-detector": deployment.name("fraud-detector")},
        # Where the family's retraining pipeline writes (QualityCheck step outputs).
        source_prefixes={"fraud-detector": "pipelines/fraud-detector/"},
        artifact_bucket_name=bucket,
        artifact_bucket_arn=f"arn:aws:s3:::{bucket}",
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        alert_topic_arn="arn:aws:sns:eu-west-1:123456789012:mlops-staging-alerts",
        log_retention_days=90,
    ),
    deployment,
)

pulumi.export("state_machine_arn", copy.state_machine_arn)
pulumi.export("alarm_names", copy.alarm_names)
