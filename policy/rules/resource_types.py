"""Type tokens the rules name, and the stateful types (protected and retained in prod)."""

from __future__ import annotations

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_TYPES = frozenset({BUCKET, BUCKET_V2})
BUCKET_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_SSE_V2 = (
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KMS_KEY = "aws:kms/key:Key"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
CODEBUILD_PROJECT = "aws:codebuild/project:Project"
CODEBUILD_WEBHOOK = "aws:codebuild/webhook:Webhook"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

# Resources whose deletion loses data or breaks consumers: protected and retained in prod,
# and never replaced (the plan diff and the URN snapshot use this list too).
STATEFUL_TYPES = frozenset(
    {
        BUCKET,
        BUCKET_V2,
        KMS_KEY,
        FEATURE_GROUP,
        ECR_REPOSITORY,
        LOG_GROUP,
        EKS_CLUSTER,
        "aws:glue/catalogDatabase:CatalogDatabase",
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup",
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer",
        "aws:dynamodb/table:Table",
        "aws:efs/fileSystem:FileSystem",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
    }
)
