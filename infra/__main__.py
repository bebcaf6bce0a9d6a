"""The mlops-platform program: one secure MLOps platform per stack, shaped by its stack file.

stack file -> config -> PermissionsBoundary (every role's ceiling)
                      -> PlatformKey ─┬─> Network
                                     ├─> FeatureStore ──┐
                                     ├─> ModelRegistry ─┼─> TrainingCluster ─┐
                                     │                  └─> ServingEndpoints ─┴─> Monitoring
                                     │            TrainingCluster + Monitoring ─> GpuObservability
                                     │      ModelRegistry approvals ─> Promotion (GitHub PR)
                                     │      ModelRegistry approvals ─> BaselineCopy (monitors'
                                     │       baselines, alarms to Monitoring)
                                     │   FeatureStore + ModelRegistry + Monitoring ─> Lifecycle
                                     │       (retraining pipelines, schedules, drift, batch)
                                     └─> CiAccess ─┬─> CiClusterAccess (with TrainingCluster)
                                                   └─> CiRunner
"""

import pulumi

from components import (
    BaselineCopy,
    CiAccess,
    CiClusterAccess,
    CiClusterAccessArgs,
    CiRunner,
    FeatureStore,
    GpuObservability,
    Lifecycle,
    ModelRegistry,
    Monitoring,
    Network,
    PermissionsBoundary,
    PlatformKey,
    Promotion,
    ServingEndpoint,
    TrainingCluster,
)
from infra import args, outputs
from infra.config.loader import config_from_pulumi_or_exit
from infra.resource_types import ResourceTypes

config = config_from_pulumi_or_exit()
resource_types = ResourceTypes()
deployment = args.deployment(config, pulumi.get_stack())
if config.permissions_boundary_arn is None:
    boundary = PermissionsBoundary("permissions-boundary", deployment)
    deployment = args.with_boundary(deployment, boundary.arn)
else:
    deployment = args.with_boundary(deployment, config.permissions_boundary_arn)

key = PlatformKey("platform-key", deployment)
network = Network("network", args.network(config, key.arn, deployment), deployment)
feature_store = FeatureStore("feature-store", args.feature_store(config, key.arn), deployment)
registry = ModelRegistry("model-registry", args.registry(config, key.arn), deployment)

training = None
if config.training.enabled:
    training = TrainingCluster(
        "training",
        args.training(
            config,
            kms_key_arn=key.arn,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            workload_bucket_arns=[feature_store.bucket_arn, registry.artifact_bucket_arn],
            model_package_group_arns=[
                registry.model_package_group_arns[model.name] for model in config.registry.models
            ],
        ),
        deployment,
    )

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
        repository_arns=registry.repository_arns,
        model_package_arn=registry.model_package_arn,
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
        cluster_name=training.cluster_name if training else None,
    ),
    deployment,
)
promotion_args = args.promotion(
    config,
    kms_key_arn=key.arn,
    model_package_group_names=registry.model_package_group_names,
    alert_topic_arn=monitoring.topic_arn,
)
lifecycle_args = args.lifecycle(
    config,
    deployment,
    kms_key_arn=key.arn,
    artifact_bucket_name=registry.artifact_bucket_name,
    artifact_bucket_arn=registry.artifact_bucket_arn,
    feature_store_bucket_name=feature_store.bucket_name,
    feature_store_bucket_arn=feature_store.bucket_arn,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    alert_topic_arn=monitoring.topic_arn,
    model_package_arn=registry.model_package_arn,
)
alarm_names = monitoring.alarm_names
if promotion_args is not None:
    promotion = Promotion("promotion", promotion_args, deployment)
    pulumi.export(outputs.PROMOTION_RULE_NAMES, promotion.rule_names)
    alarm_names = pulumi.Output.all(alarm_names, promotion.alarm_name).apply(
        lambda names: [*names[0], names[1]]
    )
baseline_copy_args = args.baseline_copy(
    config,
    kms_key_arn=key.arn,
    model_package_group_names=registry.model_package_group_names,
    artifact_bucket_name=registry.artifact_bucket_name,
    artifact_bucket_arn=registry.artifact_bucket_arn,
    alert_topic_arn=monitoring.topic_arn,
)
if baseline_copy_args is not None:
    baseline_copy = BaselineCopy("baseline-copy", baseline_copy_args, deployment)
    pulumi.export(outputs.BASELINE_COPY_STATE_MACHINE_ARN, baseline_copy.state_machine_arn)
    alarm_names = pulumi.Output.all(alarm_names, baseline_copy.alarm_names).apply(
        lambda names: [*names[0], *names[1]]
    )
if lifecycle_args is not None:
    lifecycle = Lifecycle("lifecycle", lifecycle_args, deployment)
    pulumi.export(outputs.PIPELINE_NAMES, lifecycle.pipeline_names)
    pulumi.export(outputs.PIPELINE_SCHEDULE_NAMES, lifecycle.schedule_names)
    alarm_names = pulumi.Output.all(alarm_names, lifecycle.alarm_names).apply(
        lambda names: [*names[0], *names[1]]
    )

gpu_args = (
    args.gpu_observability(
        config,
        kms_key_arn=key.arn,
        alert_topic_arn=monitoring.topic_arn,
        cluster=training,
        subnet_ids=network.private_subnet_ids,
    )
    if training
    else None
)
if gpu_args is not None:
    GpuObservability("gpu-observability", gpu_args, deployment)

pulumi.export(outputs.ENVIRONMENT, config.environment)
pulumi.export(outputs.REGION, config.region)
pulumi.export(outputs.KMS_KEY_ARN, key.arn)
pulumi.export(outputs.KMS_KEY_ALIAS, key.alias_name)
pulumi.export(outputs.VPC_ID, network.vpc_id)
pulumi.export(outputs.PRIVATE_SUBNET_IDS, network.private_subnet_ids)
pulumi.export(outputs.PUBLIC_SUBNET_IDS, network.public_subnet_ids)
pulumi.export(outputs.FEATURE_STORE_BUCKET_NAME, feature_store.bucket_name)
pulumi.export(outputs.GLUE_DATABASE_NAME, feature_store.glue_database_name)
pulumi.export(outputs.FEATURE_GROUP_NAMES, feature_store.feature_group_names)
pulumi.export(outputs.ARTIFACT_BUCKET_NAME, registry.artifact_bucket_name)
pulumi.export(outputs.MODEL_PACKAGE_GROUP_NAMES, registry.model_package_group_names)
pulumi.export(outputs.ECR_REPOSITORY_URLS, registry.repository_urls)
if registry.mlflow_tracking_server_arn is not None:
    pulumi.export(outputs.MLFLOW_TRACKING_SERVER_ARN, registry.mlflow_tracking_server_arn)
if training is not None:
    pulumi.export(outputs.EKS_CLUSTER_NAME, training.cluster_name)
    pulumi.export(outputs.EKS_NODE_GROUP_NAMES, training.node_group_names)
pulumi.export(outputs.ENDPOINT_NAMES, [endpoint.endpoint_name for endpoint in serving.values()])
# Declared endpoints that wait for a model version (see README "First model").
pulumi.export(outputs.PENDING_ENDPOINTS, [e.name for _, e in config.serving.pending()])
pulumi.export(outputs.ALERT_TOPIC_ARN, monitoring.topic_arn)
pulumi.export(outputs.ALARM_NAMES, alarm_names)
pulumi.export(outputs.DASHBOARD_NAME, monitoring.dashboard_name)
pulumi.export(outputs.BUCKET_NAMES, [feature_store.bucket_name, registry.artifact_bucket_name])

# The CI roles manage what the program registered above and what is made after them.
ci_args = args.ci_access(
    config,
    deployment,
    managed_types=resource_types.seen(
        *CiAccess.RESOURCE_TYPES,
        *(CiClusterAccess.RESOURCE_TYPES if training else ()),
        *(CiRunner.RESOURCE_TYPES if config.ci_runners else ()),
        # A first deploy without the Kubernetes layer grants what the second deploy, run
        # by the deploy role itself, needs.
        *(training.kubernetes_layer_types if training else ()),
        *(GpuObservability.RESOURCE_TYPES if training else ()),
    ),
    project=pulumi.get_project(),
)
if ci_args is not None:
    ci = CiAccess("ci-access", ci_args, deployment)
    pulumi.export(outputs.CI_PREVIEW_ROLE_ARN, ci.preview_role_arn)
    pulumi.export(outputs.CI_DEPLOY_ROLE_ARN, ci.deploy_role_arn)
    if training is not None:
        # The CI roles' only way into the cluster: its creator gets no admin access.
        CiClusterAccess(
            "ci-cluster-access",
            CiClusterAccessArgs(
                cluster_name=training.cluster_name,
                deploy_role_arn=ci.deploy_role_arn,
                preview_role_arn=ci.preview_role_arn,
                ci_role_grants=ci.role_grants,
            ),
            deployment,
        )
    runner_args = args.ci_runner(
        config,
        kms_key_arn=key.arn,
        vpc_id=network.vpc_id,
        private_subnet_ids=network.private_subnet_ids,
        cluster_security_group_id=training.cluster_security_group_id if training else None,
    )
    if runner_args is not None:
        CiRunner("ci-runner", runner_args, deployment)
