"""From the validated stack config to the typed arguments of each component.

Components never see the config schema: this module is the one place that translates it,
so a component stays usable outside this program.
"""

from __future__ import annotations

import pulumi

from components import Deployment, ExistingVpcArgs, NetworkArgs
from components.ci_access import CiAccessArgs

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


def ci_access(config: PlatformConfig, stack: str) -> CiAccessArgs | None:
    """GitHub Actions roles of the stack; None when the stack file has no ciAccess."""
    ci = config.ci_access
    if ci is None:
        return None
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
    )
