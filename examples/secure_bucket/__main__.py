"""SecureBucket: a private, versioned, KMS-encrypted, TLS-only S3 bucket.

The name comes from `deployment.bucket_name`, applied to the account id, as FeatureStore and
ModelRegistry build theirs.
"""

import pulumi

from components import Deployment, SecureBucket, SecureBucketArgs
from components.aws_context import aws_identity

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)
identity = aws_identity()

bucket = SecureBucket(
    "data",
    SecureBucketArgs(
        bucket_name=identity.account_id.apply(
            lambda account: deployment.bucket_name("data", account)
        ),
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        noncurrent_version_days=30,
    ),
    deployment,
)

pulumi.export("bucket", bucket.bucket)
