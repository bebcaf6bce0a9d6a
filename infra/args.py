"""From the validated stack config to the typed arguments of each component.

Components never see the config schema: this module is the one place that translates it,
so a component stays usable outside this program.
"""

from __future__ import annotations

import pulumi

from components import Deployment, ExistingVpcArgs, NetworkArgs
from components.feature_store import FeatureArgs, FeatureGroupArgs, FeatureStoreArgs
from components.model_registry import (
    MlflowArgs,
    ModelFamilyArgs,
    ModelRegistryArgs,
    ServingImageArgs,
)

from .config import PlatformConfig


def deployment(config: PlatformConfig, stack: str) -> Deployment:
    """Naming, tags and data-safety settings of the stack."""
    tags = {
        "environment": config.environment,
        "owner": config.tags.owner,
        "cost-center": config.tags.cost_center,
        "project": "mlops-platform",
        "stack": stack,
        "managed-by": "pulumi",
        **config.tags.extra,
    }
    return Deployment(
        stack=stack,
        environment=config.environment,
        region=config.region,
        tags=tags,
        protect_stateful=config.is_prod,
    )


def network(config: PlatformConfig, kms_key_arn: pulumi.Input[str]) -> NetworkArgs:
    net = config.network
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
        flow_log_retention_days=net.flow_log_retention_days or 14,
        kms_key_arn=kms_key_arn,
        existing_vpc=existing,
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
                keep_last_images=i.keep_last_images,
                consumer_accounts=i.consumer_accounts,
            )
            for i in reg.images
        ],
        mlflow=mlflow,
    )
