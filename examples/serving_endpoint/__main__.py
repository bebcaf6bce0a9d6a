"""ServingEndpoint: a real-time endpoint with autoscaling, 20 % data capture and canary
rollouts that roll back on the alarms Monitoring creates under `endpoint_alarm_names`.
"""

import pulumi

from components import Deployment, ServingEndpoint, ServingEndpointArgs
from components.monitoring import endpoint_alarm_names
from components.serving_endpoint import RolloutArgs

ACCOUNT = "123456789012"
REPOSITORY = "mlops-dev/fraud-serving"

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)
endpoint_name = deployment.name("fraud")

fraud = ServingEndpoint(
    "endpoint-fraud",
    ServingEndpointArgs(
        endpoint_name=endpoint_name,
        model_family="fraud-detector",
        repository_url=f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/{REPOSITORY}",
        repository_arn=f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{REPOSITORY}",
        # The version served: an Approved model package version of the registry.
        model_package_arn=f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model-package/mlops-dev-fraud-detector/3",
        artifact_bucket_name=f"mlops-dev-artifacts-{ACCOUNT}",
        artifact_bucket_arn=f"arn:aws:s3:::mlops-dev-artifacts-{ACCOUNT}",
        kms_key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        vpc_id="vpc-0a1b2c3d4e5f60000",
        subnet_ids=["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
        rollback_alarm_names=endpoint_alarm_names(endpoint_name).all(),
        log_retention_days=90,
        instance_type="ml.m5.large",
        min_instances=2,
        max_instances=4,
        data_capture_percent=20,
        rollout=RolloutArgs(strategy="canary", step_percent=10, wait_seconds=600),
    ),
    deployment,
)

pulumi.export("endpoint_name", fraud.endpoint_name)
