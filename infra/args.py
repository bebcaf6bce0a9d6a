"""From the validated stack config to the typed arguments of each component.

Components never see the config schema: this module is the one place that translates it,
so a component stays usable outside this program.
"""

from __future__ import annotations

import pulumi

from components import Deployment, ExistingVpcArgs, NetworkArgs
from components.training_cluster import NodeGroupArgs, TeamArgs, TrainingClusterArgs

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


def training(
    config: PlatformConfig,
    *,
    kms_key_arn: pulumi.Input[str],
    private_subnet_ids: pulumi.Input[list[str]],
    workload_bucket_arns: list[pulumi.Input[str]],
    model_package_group_arns: list[pulumi.Input[str]],
) -> TrainingClusterArgs:
    t = config.training
    return TrainingClusterArgs(
        kubernetes_version=t.kubernetes_version,
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
            )
            for team in t.teams
        ],
        workload_bucket_arns=workload_bucket_arns,
        model_package_group_arns=model_package_group_arns,
        endpoint_public_access=bool(t.endpoint_public_access),
        public_access_cidrs=[str(c) for c in t.public_access_cidrs],
        admin_role_arns=t.admin_role_arns,
        log_retention_days=config.monitoring.log_retention_days or 90,
    )
