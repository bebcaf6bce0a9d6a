"""What the baseline copy's role may do: describe the stack's families' versions, read where
their pipelines write baselines, write only under `baselines/<family>/`."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from ..aws_context import AwsIdentity
from ..iam import Statement
from ..output_values import concat
from ..state_machines import regional_arn

# The convention prefix of the data-quality schedules' baselines.
BASELINES_PREFIX = "baselines/"


def copy_statements(
    ident: AwsIdentity,
    *,
    groups: Mapping[str, pulumi.Input[str]],
    source_prefixes: Mapping[str, str],
    bucket_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
) -> list[Statement]:
    """The copy's own grants (the machine's data and logs are granted with the machine)."""
    families = sorted(groups)
    return [
        {
            "Sid": "DescribeStackVersions",
            "Effect": "Allow",
            "Action": "sagemaker:DescribeModelPackage",
            "Resource": [
                concat(regional_arn(ident, "sagemaker", "model-package/"), groups[f], "/*")
                for f in families
            ],
        },
        {
            "Sid": "ReadRegisteredBaselines",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [concat(bucket_arn, f"/{source_prefixes[f]}*") for f in families],
        },
        {
            "Sid": "WriteMonitoringBaselines",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": [concat(bucket_arn, f"/{BASELINES_PREFIX}{f}/*") for f in families],
        },
        {
            # Read the pipeline's SSE-KMS objects, write the copies: through S3 only.
            "Sid": "UsePlatformKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms_key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": concat("s3.", ident.region, ".amazonaws.com")}
            },
        },
    ]
