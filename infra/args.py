"""From the validated stack config to the typed arguments of each component.

Components never see the config schema: this module is the one place that translates it,
so a component stays usable outside this program.
"""

from __future__ import annotations

import pulumi

from components import Deployment, ExistingVpcArgs, NetworkArgs

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
