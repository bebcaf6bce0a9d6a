"""Stack output names: the contract between the program, `verify`, the workflows and users.

Every name is defined once here. The program exports through these constants, `verify`
reads the same constants, and a test checks that every output named in the workflows and
the README is one of them, so a rename cannot break a consumer silently. Plain constants,
no Pulumi import: `verify` and the workflows' helper scripts load this without the SDK.
"""

from __future__ import annotations

from typing import Final

ENVIRONMENT: Final = "environment"
REGION: Final = "region"
KMS_KEY_ARN: Final = "kmsKeyArn"
KMS_KEY_ALIAS: Final = "kmsKeyAlias"
VPC_ID: Final = "vpcId"
PRIVATE_SUBNET_IDS: Final = "privateSubnetIds"
PUBLIC_SUBNET_IDS: Final = "publicSubnetIds"
FEATURE_STORE_BUCKET_NAME: Final = "featureStoreBucketName"
GLUE_DATABASE_NAME: Final = "glueDatabaseName"
FEATURE_GROUP_NAMES: Final = "featureGroupNames"
ARTIFACT_BUCKET_NAME: Final = "artifactBucketName"
MODEL_PACKAGE_GROUP_NAMES: Final = "modelPackageGroupNames"
ECR_REPOSITORY_URLS: Final = "ecrRepositoryUrls"
MLFLOW_TRACKING_SERVER_ARN: Final = "mlflowTrackingServerArn"
EKS_CLUSTER_NAME: Final = "eksClusterName"
EKS_NODE_GROUP_NAMES: Final = "eksNodeGroupNames"
ENDPOINT_NAMES: Final = "endpointNames"
PENDING_ENDPOINTS: Final = "pendingEndpoints"
ALERT_TOPIC_ARN: Final = "alertTopicArn"
ALARM_NAMES: Final = "alarmNames"
DASHBOARD_NAME: Final = "dashboardName"
BUCKET_NAMES: Final = "bucketNames"
CI_PREVIEW_ROLE_ARN: Final = "ciPreviewRoleArn"
CI_DEPLOY_ROLE_ARN: Final = "ciDeployRoleArn"
PROMOTION_RULE_NAMES: Final = "promotionRuleNames"
PIPELINE_NAMES: Final = "pipelineNames"
PIPELINE_SCHEDULE_NAMES: Final = "pipelineScheduleNames"
BASELINE_COPY_STATE_MACHINE_ARN: Final = "baselineCopyStateMachineArn"

# Every output name above, for checks over consumers (workflows, README, verify).
ALL: Final[frozenset[str]] = frozenset(
    value for key, value in dict(globals()).items() if key.isupper() and isinstance(value, str)
)
