"""What an environment kind means: its defaults and its hard rules, in one table.

The schema applies the defaults where a stack file is silent and enforces the rules;
`infra/args.py` passes the data-safety settings to the components as explicit fields. No
other module decides anything by comparing an environment's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EnvironmentKind = Literal["dev", "staging", "prod"]
# The order a model version is promoted in: each environment serves only versions the one
# before it has served (`mlops-platform promote`).
PROMOTION_ORDER: tuple[EnvironmentKind, ...] = ("dev", "staging", "prod")


@dataclass(frozen=True)
class EnvironmentProfile:
    """Defaults and rules of one environment kind.

    Defaults (a stack file may override them):
        nat_gateways: 'single' (one NAT for all AZs) or 'perAz'.
        log_retention_days: CloudWatch Logs retention of every log group.
        eks_public_endpoint: Whether the EKS API endpoint is public (with an allow-list).

    Data safety (not configurable per stack: they follow the environment kind):
        protect_stateful: `protect` + `retain_on_delete` on every resource holding data.
        kms_deletion_window_days: Waiting period before AWS deletes a scheduled KMS key.
        eks_deletion_protection: EKS refuses to delete the cluster while it is on.

    Rules (a stack file that breaks one is refused):
        min_azs: Fewest AZs (or existing private subnets) the network may span.
        nat_per_az_required: NAT gateways must be one per AZ.
        min_realtime_instances: Fewest instances of a real-time (not serverless) endpoint.
        alert_recipient_required: At least one alert e-mail or HTTPS endpoint.
        system_on_demand_min: Fewest nodes of an on-demand system node group (0: no rule).
        gpu_scale_from_zero: GPU node groups must have min 0.

    Shape:
        controller_replicas: Replicas of the cluster's schedulers (Karpenter, Kueue); 2
            keeps them running through the drain of a system node.

    Lifecycle defaults:
        pipeline_triggers: Retraining pipelines run on their schedule and on drift unless
            the stack file says otherwise (off: started by hand only).
    """

    nat_gateways: Literal["single", "perAz"]
    log_retention_days: int
    eks_public_endpoint: bool
    protect_stateful: bool
    kms_deletion_window_days: int
    eks_deletion_protection: bool
    min_azs: int
    nat_per_az_required: bool
    min_realtime_instances: int
    alert_recipient_required: bool
    system_on_demand_min: int
    gpu_scale_from_zero: bool
    controller_replicas: int
    pipeline_triggers: bool = True


PROFILES: dict[str, EnvironmentProfile] = {
    # Cheapest viable shape: one NAT, short retention, GPUs only when asked for.
    "dev": EnvironmentProfile(
        nat_gateways="single",
        log_retention_days=14,
        eks_public_endpoint=True,
        protect_stateful=False,
        kms_deletion_window_days=7,
        eks_deletion_protection=False,
        min_azs=2,
        nat_per_az_required=False,
        min_realtime_instances=1,
        alert_recipient_required=False,
        system_on_demand_min=0,
        gpu_scale_from_zero=True,
        controller_replicas=1,
        # Retraining costs money: in dev a pipeline runs when someone starts it.
        pipeline_triggers=False,
    ),
    # Prod-shaped (private API) but smaller and disposable.
    "staging": EnvironmentProfile(
        nat_gateways="single",
        log_retention_days=90,
        eks_public_endpoint=False,
        protect_stateful=False,
        kms_deletion_window_days=7,
        eks_deletion_protection=False,
        min_azs=2,
        nat_per_az_required=False,
        min_realtime_instances=1,
        alert_recipient_required=False,
        system_on_demand_min=0,
        gpu_scale_from_zero=False,
        controller_replicas=1,
    ),
    # Survives an AZ loss, never loses data to a `pulumi destroy`, and someone is paged.
    "prod": EnvironmentProfile(
        nat_gateways="perAz",
        log_retention_days=365,
        eks_public_endpoint=False,
        protect_stateful=True,
        kms_deletion_window_days=30,
        eks_deletion_protection=True,
        min_azs=3,
        nat_per_az_required=True,
        min_realtime_instances=2,
        alert_recipient_required=True,
        system_on_demand_min=2,
        gpu_scale_from_zero=False,
        controller_replicas=2,
    ),
}
