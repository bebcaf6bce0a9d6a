"""The mlops-platform program: one secure MLOps platform per stack, shaped by its stack file.

stack file -> config -> PlatformKey ─┬─> Network
                                     ├─> FeatureStore ──┐
                                     ├─> ModelRegistry ─┼─> TrainingCluster
                                     │                  └─> ServingEndpoints ─> Monitoring
                                     └─> CiAccess
"""

from types import SimpleNamespace

import pulumi

from components import Monitoring, Network, PlatformKey, ServingEndpoint
from components.aws_context import aws_identity
from infra import args
from infra.config.loader import config_from_pulumi_or_exit

config = config_from_pulumi_or_exit()
deployment = args.deployment(config, pulumi.get_stack())

key = PlatformKey("platform-key", deployment)
network = Network("network", args.network(config, key.arn), deployment)

pulumi.export("environment", config.environment)
pulumi.export("region", config.region)
pulumi.export("kmsKeyArn", key.arn)
pulumi.export("kmsKeyAlias", key.alias_name)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("publicSubnetIds", network.public_subnet_ids)

# --- ModelRegistry stand-in: replace this block with the ModelRegistry component ------------
# (its artifact_bucket_name/_arn, repository_urls and model_package_group_arns). Nothing here
# is created; the names follow the registry's naming so the wiring below stays as it is.
_ident = aws_identity()
_artifact_bucket = deployment.name("artifacts")
registry = SimpleNamespace(
    artifact_bucket_name=_artifact_bucket,
    artifact_bucket_arn=pulumi.Output.concat("arn:", _ident.partition, ":s3:::", _artifact_bucket),
    repository_urls={
        image.name: pulumi.Output.format(
            "{0}.dkr.ecr.{1}.amazonaws.com/{2}",
            _ident.account_id,
            _ident.region,
            deployment.name(image.name),
        )
        for image in config.registry.images
    },
    model_package_group_arns={
        model.name: pulumi.Output.format(
            "arn:{0}:sagemaker:{1}:{2}:model-package-group/{3}",
            _ident.partition,
            _ident.region,
            _ident.account_id,
            deployment.name(model.name),
        )
        for model in config.registry.models
    },
)
# --- end of ModelRegistry stand-in ------------------------------------------------------------

serving = {
    endpoint: ServingEndpoint(f"endpoint-{endpoint}", endpoint_args, deployment)
    for endpoint, endpoint_args in args.serving_endpoints(
        config,
        deployment,
        kms_key_arn=key.arn,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        artifact_bucket_name=registry.artifact_bucket_name,
        artifact_bucket_arn=registry.artifact_bucket_arn,
        repository_urls=registry.repository_urls,
        model_package_group_arns=registry.model_package_group_arns,
    ).items()
}
monitoring = Monitoring(
    "monitoring",
    args.monitoring(
        config,
        deployment,
        kms_key_arn=key.arn,
        endpoints=serving,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        artifact_bucket_name=registry.artifact_bucket_name,
        artifact_bucket_arn=registry.artifact_bucket_arn,
        cluster_name=None,  # the TrainingCluster's cluster_name once it is wired in
    ),
    deployment,
)

pulumi.export("endpointNames", [endpoint.endpoint_name for endpoint in serving.values()])
pulumi.export("alertTopicArn", monitoring.topic_arn)
pulumi.export("alarmNames", monitoring.alarm_names)
pulumi.export("dashboardName", monitoring.dashboard_name)
