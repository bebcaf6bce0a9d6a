"""From the validated stack config to the typed arguments of each component.

Components never see the config schema: this module is the one place that translates it,
so a component stays usable outside this program.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import pulumi

from components import Deployment, ExistingVpcArgs, NetworkArgs, catalog
from components.aws_context import aws_identity
from components.baselines import BaselineCopyArgs
from components.ci_access import CiAccessArgs
from components.ci_runners import CiRunnerArgs
from components.feature_store import (
    FeatureArgs,
    FeatureGroupArgs,
    FeatureStoreArgs,
    offline_data_prefix,
)
from components.gpu_observability import GpuObservabilityArgs
from components.lifecycle import BatchArgs, DriftArgs, LifecycleArgs, PipelineArgs
from components.lifecycle.definition import pipeline_prefix
from components.model_registry import (
    MlflowArgs,
    ModelFamilyArgs,
    ModelRegistryArgs,
    ServingImageArgs,
)
from components.monitoring import (
    BudgetArgs,
    DataQualityArgs,
    EndpointAlarmThresholds,
    ModelQualityArgs,
    MonitoredEndpointArgs,
    MonitoringArgs,
    endpoint_alarm_names,
)
from components.monitoring.model_monitoring import (
    data_quality_schedule_name,
    model_monitor_image,
)
from components.promotion import PromotionArgs
from components.serving_endpoint import (
    RolloutArgs,
    ServerlessArgs,
    ServingEndpoint,
    ServingEndpointArgs,
)
from components.training_cluster import (
    NodeGroupArgs,
    TeamArgs,
    TrainingCluster,
    TrainingClusterArgs,
)
from components.training_cluster.node_groups import GPU_RESOURCE, NODE_KIND_LABEL
from components.training_cluster.pool_args import (
    CapacityReservationSelector,
    CapacityType,
    PoolArgs,
)
from components.training_cluster.scheduling import cluster_name, discovery_tags

from .config import PlatformConfig
from .config.lifecycle import Batch as LifecycleBatch
from .config.lifecycle import Pipeline as LifecyclePipeline
from .config.monitoring import (
    Budget,
    GroundTruth,
    baseline_copy_families,
    baseline_prefix,
    monitored_endpoints,
)
from .config.pools import Pool
from .config.promotion import DISPATCH_EVENT_TYPE

T = TypeVar("T")


def filled(value: T | None) -> T:
    """A setting the schema's environment defaults always fill in."""
    if value is None:
        raise ValueError("environment default not applied: validate through PlatformConfig")
    return value


def secret_if(secret: bool, value: str) -> pulumi.Input[str]:
    """`value`, marked secret when its config section is a Pulumi secret."""
    return pulumi.Output.secret(value) if secret else value


def deployment(config: PlatformConfig, stack: str) -> Deployment:
    """Naming, tags and data-safety settings of the stack."""
    tags = {
        "environment": config.environment,
        "owner": config.tags.owner,
        "cost-center": config.tags.cost_center,
        "project": "mlops-platform",
        "managed-by": "pulumi",
        **config.tags.extra,
    }
    return Deployment(
        stack=stack,
        environment=config.environment,
        region=config.region,
        tags=tags,
        protect_stateful=config.profile.protect_stateful,
        kms_deletion_window_days=config.profile.kms_deletion_window_days,
        eks_deletion_protection=config.profile.eks_deletion_protection,
    )


def network(
    config: PlatformConfig, kms_key_arn: pulumi.Input[str], deployment: Deployment
) -> NetworkArgs:
    net = config.network
    # Karpenter's node classes find the cluster's private subnets by this tag.
    subnet_tags = discovery_tags(cluster_name(deployment)) if config.training.pools else {}
    private, public = net.subnet_plan()
    existing = None
    if net.existing_vpc is not None:
        existing = ExistingVpcArgs(
            vpc_id=net.existing_vpc.vpc_id,
            private_subnet_ids=net.existing_vpc.private_subnet_ids,
            public_subnet_ids=net.existing_vpc.public_subnet_ids,
            private_route_table_ids=net.existing_vpc.private_route_table_ids,
        )
    return NetworkArgs(
        cidr=str(net.cidr),
        private_subnet_cidrs=private,
        public_subnet_cidrs=public,
        nat_per_az=net.nat_gateways == "perAz",
        interface_endpoints=net.interface_endpoints,
        flow_log_retention_days=filled(net.flow_log_retention_days),
        kms_key_arn=kms_key_arn,
        existing_vpc=existing,
        private_subnet_tags=subnet_tags,
    )


def endpoint_name(deployment: Deployment, endpoint: str) -> str:
    """Physical name of a configured endpoint: fixed, so its alarms can be named up front."""
    return deployment.name(endpoint)


def serving_endpoints(
    config: PlatformConfig,
    deployment: Deployment,
    *,
    kms_key_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[list[str]],
    artifact_bucket_name: pulumi.Input[str],
    artifact_bucket_arn: pulumi.Input[str],
    # A map, or the registry's Output of one (indexing an Output gives the entry's Output).
    repository_urls: Mapping[str, pulumi.Input[str]] | pulumi.Output[dict[str, str]],
    repository_arns: Mapping[str, pulumi.Input[str]] | pulumi.Output[dict[str, str]],
    model_package_arn: Callable[[str, int], pulumi.Input[str]],
) -> dict[str, ServingEndpointArgs]:
    """ServingEndpoint args per deployed endpoint, keyed by the endpoint's config name.

    Only endpoints pinned to a model version are deployed; the others are declared and
    wait for a version (`ServingConfig.pending_notes`). `model_package_arn(family, version)`
    is the registry's ARN of a package version (`ModelRegistry.model_package_arn`).
    """
    result: dict[str, ServingEndpointArgs] = {}
    for ep in config.serving.deployed():
        physical = endpoint_name(deployment, ep.name)
        package_arn = None
        if ep.model_package_version is not None:
            package_arn = model_package_arn(ep.model, ep.model_package_version)
        result[ep.name] = ServingEndpointArgs(
            endpoint_name=physical,
            model_family=ep.model,
            repository_url=repository_urls[ep.image],
            repository_arn=repository_arns[ep.image],
            model_package_arn=package_arn,
            model_data_url=ep.model_data_url,
            image_digest=ep.image_digest,
            artifact_bucket_name=artifact_bucket_name,
            artifact_bucket_arn=artifact_bucket_arn,
            kms_key_arn=kms_key_arn,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids,
            rollback_alarm_names=endpoint_alarm_names(physical).all(),
            log_retention_days=filled(config.monitoring.log_retention_days),
            instance_type=ep.instance_type,
            min_instances=ep.min_instances,
            max_instances=ep.max_instances,
            target_invocations_per_instance=ep.target_invocations_per_instance,
            serverless=ServerlessArgs(ep.serverless.memory_mb, ep.serverless.max_concurrency)
            if ep.serverless is not None
            else None,
            data_capture_percent=ep.data_capture_percent,
            rollout=RolloutArgs(
                strategy=ep.rollout.strategy,
                step_percent=ep.rollout.step_percent,
                wait_seconds=ep.rollout.wait_seconds,
                termination_wait_seconds=ep.rollout.termination_wait_seconds,
            ),
        )
    return result


def monitoring(
    config: PlatformConfig,
    deployment: Deployment,
    *,
    kms_key_arn: pulumi.Input[str],
    endpoints: Mapping[str, ServingEndpoint],
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[list[str]],
    artifact_bucket_name: pulumi.Input[str],
    artifact_bucket_arn: pulumi.Input[str],
    cluster_name: pulumi.Input[str] | None = None,
) -> MonitoringArgs:
    """Monitoring args; `endpoints` maps config names to the built ServingEndpoints.

    An endpoint that is declared but not deployed has nothing to alarm on or monitor yet;
    a deployed one that captures data is checked for data quality (against the baseline
    of its model version, `baseline_prefix`) and for model quality with ground truth."""
    mon = config.monitoring
    checked = {e.name for e in monitored_endpoints(mon, config.serving.deployed())}
    watched = []
    for ep in config.serving.deployed():
        built = endpoints[ep.name]
        watched.append(
            MonitoredEndpointArgs(
                endpoint_name=endpoint_name(deployment, ep.name),
                key=ep.name,
                endpoint=built.endpoint_name,
                variant_name=built.variant_name,
                thresholds=EndpointAlarmThresholds(
                    max_5xx_errors=ep.alarms.max_server_errors,
                    latency_p99_ms=ep.alarms.latency_p99_ms,
                    max_invocation_errors=ep.alarms.max_invocation_errors,
                    evaluation_minutes=ep.alarms.evaluation_minutes,
                ),
                data_capture_uri=built.data_capture_uri,
                baseline_prefix=baseline_prefix(ep) if ep.name in checked else None,
                model_quality=_model_quality(ep.ground_truth),
            )
        )
    return MonitoringArgs(
        kms_key_arn=kms_key_arn,
        dashboard_name=deployment.name("platform"),
        endpoints=watched,
        alert_emails=[secret_if(config.is_secret("monitoring"), e) for e in mon.alert_emails],
        # A webhook URL usually embeds its integration key: always a secret in state.
        alert_https_endpoints=[pulumi.Output.secret(url) for url in mon.alert_https_endpoints],
        artifact_bucket_name=artifact_bucket_name,
        artifact_bucket_arn=artifact_bucket_arn,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        data_quality=DataQualityArgs(
            schedule=mon.data_quality.schedule,
            instance_type=mon.data_quality.instance_type,
            max_runtime_seconds=mon.data_quality.max_runtime_minutes * 60,
        ),
        cluster_name=cluster_name if mon.cluster.enabled else None,
        max_pending_pods=mon.cluster.max_pending_pods,
        pending_minutes=mon.cluster.pending_minutes,
        budget=_budget(mon.budget),
    )


def _model_quality(truth: GroundTruth | None) -> ModelQualityArgs | None:
    if truth is None:
        return None
    return ModelQualityArgs(
        labels_prefix=truth.labels_prefix,
        problem_type=truth.problem_type,
        inference_attribute=truth.inference_attribute,
        metric=str(truth.metric),
        threshold=truth.threshold,
        higher_is_worse=truth.higher_is_worse,
        schedule=truth.schedule,
        probability_attribute=truth.probability_attribute,
        probability_threshold=truth.probability_threshold,
    )


def _budget(budget: Budget | None) -> BudgetArgs | None:
    if budget is None:
        return None
    return BudgetArgs(
        monthly_limit_usd=budget.monthly_limit_usd,
        forecast_percent=budget.forecast_percent,
        actual_percent=budget.actual_percent,
    )


def feature_store(config: PlatformConfig, kms_key_arn: pulumi.Input[str]) -> FeatureStoreArgs:
    return FeatureStoreArgs(
        kms_key_arn=kms_key_arn,
        feature_groups=[
            FeatureGroupArgs(
                name=group.name,
                description=group.description,
                record_identifier=group.record_identifier,
                event_time=group.event_time,
                features=[FeatureArgs(name=f.name, type=f.type) for f in group.features],
                online_store=group.online_store.enabled,
                ttl_days=group.online_store.ttl_days,
                offline_store=group.offline_store.enabled,
                table_format=group.offline_store.table_format,
            )
            for group in config.feature_store.feature_groups
        ],
    )


def registry(config: PlatformConfig, kms_key_arn: pulumi.Input[str]) -> ModelRegistryArgs:
    reg = config.registry
    # A consumer that may deploy a family's versions may also pull the image they run on.
    pullers = reg.image_consumers(config.serving.families_by_image())
    mlflow = None
    if reg.mlflow.enabled:
        mlflow = MlflowArgs(
            size=reg.mlflow.size,
            version=reg.mlflow.version,
            automatic_model_registration=reg.mlflow.automatic_model_registration,
            weekly_maintenance_window_start=reg.mlflow.weekly_maintenance_window_start,
        )
    return ModelRegistryArgs(
        kms_key_arn=kms_key_arn,
        models=[
            ModelFamilyArgs(
                name=m.name, description=m.description, consumer_accounts=m.consumer_accounts
            )
            for m in reg.models
        ],
        images=[
            ServingImageArgs(
                name=i.name,
                scratch_tag_prefixes=i.scratch_tag_prefixes,
                keep_scratch_images=i.keep_scratch_images,
                consumer_accounts=pullers[i.name],
            )
            for i in reg.images
        ],
        mlflow=mlflow,
    )


def training(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[list[str]],
    workload_bucket_arns: list[pulumi.Input[str]],
    model_package_group_arns: list[pulumi.Input[str]],
) -> TrainingClusterArgs:
    t = config.training
    quotas = t.team_gpu_quotas()
    return TrainingClusterArgs(
        kubernetes_version=t.kubernetes_version,
        support_type=t.support_type,
        vpc_id=vpc_id,
        private_subnet_ids=private_subnet_ids,
        kms_key_arn=kms_key_arn,
        node_groups=[
            NodeGroupArgs(
                name=g.name,
                kind=g.kind,
                instance_types=g.instance_types,
                min_size=g.min,
                desired_size=g.desired,
                max_size=g.max,
                spot=g.capacity == "spot",
                disk_size_gib=g.disk_size_gib,
            )
            for g in t.node_groups
        ],
        teams=[
            TeamArgs(
                name=team.name,
                cpu_quota=team.cpu_quota,
                memory_quota_gib=team.memory_quota_gib,
                gpu_quota=team.gpu_quota,
                service_account=team.service_account,
                s3_read_prefixes=team.s3_read_prefixes,
                s3_write_prefixes=team.s3_write_prefixes,
                distributed_training=team.distributed_training,
                gpu_pool_quotas=quotas[team.name],
            )
            for team in t.teams
        ],
        pools=[_pool(pool) for pool in t.pools],
        high_availability=config.profile.controller_replicas > 1,
        workload_bucket_arns=workload_bucket_arns,
        model_package_group_arns=model_package_group_arns,
        endpoint_public_access=filled(t.endpoint_public_access),
        public_access_cidrs=[str(c) for c in t.public_access_cidrs],
        admin_role_arns=t.admin_role_arns,
        cluster_creator_admin=t.cluster_creator_admin,
        kubernetes_objects=t.kubernetes_objects,
        log_retention_days=filled(config.monitoring.log_retention_days),
        observability_addon=config.monitoring.cluster.enabled,
    )


# Stack-file capacity types (camelCase like every key) -> Karpenter's label values.
_CAPACITY_TYPES: dict[str, CapacityType] = {
    "onDemand": "on-demand",
    "spot": "spot",
    "reserved": "reserved",
}


def _pool(pool: Pool) -> PoolArgs:
    return PoolArgs(
        name=pool.name,
        kind=pool.kind,
        instance_types=pool.instance_types,
        capacity_types=[_CAPACITY_TYPES[c] for c in pool.capacity_types],
        capacity_reservations=[
            CapacityReservationSelector(
                id=r.id, tags=r.tags, instance_match_criteria=r.instance_match_criteria
            )
            for r in pool.capacity_reservations
        ],
        cpu_limit=pool.limits.cpu,
        memory_limit_gib=pool.limits.memory_gib,
        gpu_limit=pool.limits.gpus,
        consolidation_policy=pool.disruption.consolidation_policy,
        consolidate_after=pool.disruption.consolidate_after,
        disruption_budget_percent=pool.disruption.budget_percent,
        expire_after=pool.disruption.expire_after,
        disk_size_gib=pool.disk_size_gib,
        weight=pool.weight,
        efa=pool.efa,
    )


def gpu_observability(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    alert_topic_arn: pulumi.Input[str],
    cluster: TrainingCluster,
    subnet_ids: pulumi.Input[list[str]],
) -> GpuObservabilityArgs | None:
    """GPU metrics and alerts for a cluster with GPU pools or node groups (else None).

    None too while the cluster's Kubernetes objects are off (a first deploy): the exporter
    and the scraper's RBAC live on the cluster, and a scraper would read nothing."""
    t = config.training
    provider = cluster.kubernetes_provider
    if provider is None:
        return None
    if not any(p.kind == "gpu" for p in t.pools) and not any(
        g.kind == "gpu" for g in t.node_groups
    ):
        return None
    return GpuObservabilityArgs(
        cluster_arn=cluster.cluster_arn,
        subnet_ids=subnet_ids,
        security_group_ids=[cluster.cluster_security_group_id],
        kms_key_arn=kms_key_arn,
        alert_topic_arn=alert_topic_arn,
        kubernetes_provider=provider,
        gpu_node_selector={NODE_KIND_LABEL: "gpu"},
        gpu_taint_key=GPU_RESOURCE,
    )


def ci_access(
    config: PlatformConfig,
    deployment: Deployment,
    *,
    managed_types: Sequence[str],
    project: str,
) -> CiAccessArgs | None:
    """GitHub Actions roles of the stack; None when the stack file has no ciAccess.

    `managed_types`: every resource type the program registers for this stack, which the
    deploy role manages and the preview role reads.
    """
    ci = config.ci_access
    if ci is None:
        return None
    stack = deployment.stack
    return CiAccessArgs(
        github_repository=ci.github_repository,
        deploy_environment=ci.environment or stack,
        branch=ci.branch,
        allow_branch_deploys=ci.allow_branch_deploys,
        create_oidc_provider=ci.create_oidc_provider,
        oidc_provider_arn=ci.oidc_provider_arn,
        state_bucket=ci.state_bucket,
        secrets_kms_key_arn=ci.secrets_kms_key_arn,
        deploy_managed_policy_arns=list(ci.deploy_managed_policy_arns),
        max_session_seconds=ci.max_session_hours * 3600,
        managed_types=list(managed_types),
        role_boundary_arn=deployment.permissions_boundary_arn,
        ci_role_boundary_arn=config.permissions_boundary_arn,
        project=project,
        preview_environments=[config.promotion.github_environment] if config.promotion else [],
        readable_secrets=[config.promotion.token_secret] if config.promotion else [],
        runner_connection_arn=config.ci_runners.connection_arn if config.ci_runners else None,
    )


def promotion(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    model_package_group_names: pulumi.Output[list[str]],
    alert_topic_arn: pulumi.Input[str],
) -> PromotionArgs | None:
    """Promotion args, or None when the stack promotes manually only.

    `model_package_group_names` is the registry's list, in `registry.models` order.
    """
    promo = config.promotion
    if promo is None:
        return None
    order = [m.name for m in config.registry.models]

    def group(family: str) -> pulumi.Output[str]:
        index = order.index(family)
        return model_package_group_names.apply(lambda names: names[index])

    return PromotionArgs(
        github_repository=promo.github_repository,
        token_secret=promo.token_secret,
        model_package_groups={family: group(family) for family in config.promoted_families()},
        kms_key_arn=kms_key_arn,
        alert_topic_arn=alert_topic_arn,
        event_type=DISPATCH_EVENT_TYPE,
        max_retry_attempts=promo.max_retry_attempts,
        max_event_age_seconds=promo.max_event_age_minutes * 60,
    )


def baseline_copy(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    model_package_group_names: pulumi.Output[list[str]],
    artifact_bucket_name: pulumi.Input[str],
    artifact_bucket_arn: pulumi.Input[str],
    alert_topic_arn: pulumi.Input[str],
) -> BaselineCopyArgs | None:
    """Baseline-copy args, or None when no family needs its versions' baselines copied.

    `model_package_group_names` is the registry's list, in `registry.models` order. A
    family's registered baselines are read where its retraining pipeline writes them.
    """
    families = baseline_copy_families(config.monitoring, config.serving.endpoints)
    if not families:
        return None
    order = [m.name for m in config.registry.models]

    def group(family: str) -> pulumi.Output[str]:
        index = order.index(family)
        return model_package_group_names.apply(lambda names: names[index])

    return BaselineCopyArgs(
        model_package_groups={family: group(family) for family in families},
        source_prefixes={family: pipeline_prefix(family) for family in families},
        artifact_bucket_name=artifact_bucket_name,
        artifact_bucket_arn=artifact_bucket_arn,
        kms_key_arn=kms_key_arn,
        alert_topic_arn=alert_topic_arn,
        log_retention_days=filled(config.monitoring.log_retention_days),
    )


def ci_runner(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[list[str]],
    cluster_security_group_id: pulumi.Input[str] | None,
) -> CiRunnerArgs | None:
    """The stack's in-VPC GitHub Actions runner; None without ciRunners (or ciAccess)."""
    runners, ci = config.ci_runners, config.ci_access
    if runners is None or ci is None:
        return None
    return CiRunnerArgs(
        github_repository=ci.github_repository,
        connection_arn=runners.connection_arn,
        compute_type=runners.compute_type,
        image=runners.image,
        build_timeout_minutes=runners.build_timeout_minutes,
        queued_timeout_minutes=runners.queued_timeout_minutes,
        kms_key_arn=kms_key_arn,
        vpc_id=vpc_id,
        private_subnet_ids=private_subnet_ids,
        log_retention_days=filled(config.monitoring.log_retention_days),
        cluster_security_group_id=cluster_security_group_id,
    )


def lifecycle(
    config: PlatformConfig,
    deployment: Deployment,
    *,
    kms_key_arn: pulumi.Input[str],
    artifact_bucket_name: pulumi.Input[str],
    artifact_bucket_arn: pulumi.Input[str],
    feature_store_bucket_name: pulumi.Input[str],
    feature_store_bucket_arn: pulumi.Input[str],
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[list[str]],
    alert_topic_arn: pulumi.Input[str],
    model_package_arn: Callable[[str, int], pulumi.Input[str]],
) -> LifecycleArgs | None:
    """Lifecycle args of the families with a pipeline or a batch transform; None if none."""
    families = [m for m in config.registry.models if m.pipeline or m.batch]
    if not families:
        return None
    account = aws_identity().account_id
    data = _FamilyData(
        artifact_bucket_name,
        artifact_bucket_arn,
        feature_store_bucket_name,
        feature_store_bucket_arn,
        account,
    )
    return LifecycleArgs(
        kms_key_arn=kms_key_arn,
        artifact_bucket_name=artifact_bucket_name,
        artifact_bucket_arn=artifact_bucket_arn,
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        alert_topic_arn=alert_topic_arn,
        log_retention_days=filled(config.monitoring.log_retention_days),
        pipelines=[
            _pipeline(config, deployment, m.name, m.pipeline, data)
            for m in families
            if m.pipeline is not None
        ],
        batches=[
            _batch(m.name, m.batch, model_package_arn(m.name, m.batch.model_package_version))
            for m in families
            if m.batch is not None
        ],
    )


@dataclass(frozen=True)
class _FamilyData:
    """Where pipelines may find their data: the artifact and feature-store buckets."""

    artifact_bucket_name: pulumi.Input[str]
    artifact_bucket_arn: pulumi.Input[str]
    feature_store_bucket_name: pulumi.Input[str]
    feature_store_bucket_arn: pulumi.Input[str]
    account_id: pulumi.Output[str]


def _pipeline(
    config: PlatformConfig,
    deployment: Deployment,
    family: str,
    pipeline: LifecyclePipeline,
    data: _FamilyData,
) -> PipelineArgs:
    framework, region = pipeline.framework, config.region
    if pipeline.inputs.feature_group is not None:
        group = deployment.name(pipeline.inputs.feature_group)
        bucket_name, bucket_arn = data.feature_store_bucket_name, data.feature_store_bucket_arn
        prefix: pulumi.Input[str] = data.account_id.apply(
            lambda account: offline_data_prefix(group, account, region)
        )
    else:
        bucket_name, bucket_arn = data.artifact_bucket_name, data.artifact_bucket_arn
        prefix = str(pipeline.inputs.s3_prefix)
    return PipelineArgs(
        family=family,
        model_package_group_name=deployment.name(family),
        training_image=filled(
            catalog.framework_image(framework.name, framework.version, region, "training")
        ),
        inference_image=filled(
            catalog.framework_image(framework.name, framework.version, region, "inference")
        ),
        quality_check_image=model_monitor_image(region),
        input_bucket_arn=bucket_arn,
        input_bucket_name=bucket_name,
        input_prefix=prefix,
        metric_name=pipeline.metric.name,
        metric_threshold=pipeline.metric.threshold,
        comparison=pipeline.metric.comparison,
        metric_regex=pipeline.metric.regex,
        training_instance_type=pipeline.training_instance_type,
        training_instance_count=pipeline.training_instance_count,
        processing_instance_type=pipeline.processing_instance_type,
        hyperparameters={k: str(v) for k, v in pipeline.hyperparameters.items()},
        max_runtime_seconds=pipeline.max_runtime_minutes * 60,
        schedule_expression=pipeline.schedule.expression if pipeline.schedule.enabled else None,
        drift=_drift(config, deployment, family, pipeline),
    )


def _drift(
    config: PlatformConfig, deployment: Deployment, family: str, pipeline: LifecyclePipeline
) -> DriftArgs | None:
    trigger = pipeline.drift_trigger
    if not trigger.enabled:
        return None
    checked = monitored_endpoints(config.monitoring, config.serving.deployed())
    monitors = [
        (
            endpoint_name(deployment, e.name),
            data_quality_schedule_name(endpoint_name(deployment, e.name)),
        )
        for e in checked
        if e.model == family
    ]
    return DriftArgs(
        monitors=monitors,
        features=list(trigger.features),
        threshold=trigger.threshold,
        evaluation_periods=trigger.evaluation_periods,
    )


def _batch(family: str, batch: LifecycleBatch, package_arn: pulumi.Input[str]) -> BatchArgs:
    return BatchArgs(
        family=family,
        model_package_arn=package_arn,
        input_prefix=batch.input_prefix,
        output_prefix=batch.output_prefix,
        instance_type=batch.instance_type,
        instance_count=batch.instance_count,
        max_runtime_seconds=batch.max_runtime_minutes * 60,
        schedule_expression=batch.schedule if batch.enabled else None,
    )


def with_boundary(deployment: Deployment, boundary_arn: pulumi.Input[str]) -> Deployment:
    """The deployment whose every IAM role carries `boundary_arn`."""
    return dataclasses.replace(deployment, permissions_boundary_arn=boundary_arn)
