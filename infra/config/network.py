"""`mlops-platform:network` — the VPC the platform runs in."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .base import ConfigModel, rule_error

VpcId = Annotated[str, StringConstraints(pattern=r"^vpc-[0-9a-f]{8,17}$")]
SubnetId = Annotated[str, StringConstraints(pattern=r"^subnet-[0-9a-f]{8,17}$")]
RouteTableId = Annotated[str, StringConstraints(pattern=r"^rtb-[0-9a-f]{8,17}$")]

# Interface endpoints that keep SageMaker, ECR pulls, STS and telemetry off the NAT path.
DEFAULT_INTERFACE_ENDPOINTS = (
    "sagemaker.api",
    "sagemaker.runtime",
    "ecr.api",
    "ecr.dkr",
    "sts",
    "logs",
    "monitoring",
)
KNOWN_INTERFACE_ENDPOINTS = frozenset(
    {
        *DEFAULT_INTERFACE_ENDPOINTS,
        "sagemaker.featurestore-runtime",
        "eks",
        "eks-auth",
        "ec2",
        "elasticloadbalancing",
        "autoscaling",
        "kms",
        "sns",
        "ssm",
        "glue",
    }
)


class ExistingVpc(ConfigModel):
    """Bring your own VPC: the platform creates no VPC, subnets, gateways or routes."""

    vpc_id: VpcId = Field(description="Id of the existing VPC.")
    private_subnet_ids: list[SubnetId] = Field(
        min_length=2, description="Private subnets (one per AZ) for EKS nodes and endpoints."
    )
    public_subnet_ids: list[SubnetId] = Field(
        default_factory=list, description="Public subnets, only needed for internet-facing LBs."
    )
    private_route_table_ids: list[RouteTableId] = Field(
        default_factory=list,
        description="Route tables of the private subnets; the S3 gateway endpoint attaches here.",
    )

    @field_validator("private_subnet_ids", "public_subnet_ids")
    @classmethod
    def _no_repeats(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("subnet ids repeat")
        return ids


class NetworkConfig(ConfigModel):
    """Network layout: a new VPC over `azCount` AZs, or an existing one."""

    cidr: ipaddress.IPv4Network = Field(
        default=ipaddress.IPv4Network("10.0.0.0/16"),
        description="VPC CIDR block, a /16 to /20 private range.",
    )
    az_count: int = Field(
        default=2, ge=2, le=6, description="Availability zones to spread subnets over (prod >= 3)."
    )
    nat_gateways: Literal["single", "perAz"] | None = Field(
        default=None,
        description="One shared NAT gateway (cheap) or one per AZ (resilient). "
        "Default: single in dev and staging, perAz in prod (required there).",
    )
    private_subnet_cidrs: list[ipaddress.IPv4Network] | None = Field(
        default=None, description="Explicit private subnet CIDRs, one per AZ; derived if omitted."
    )
    public_subnet_cidrs: list[ipaddress.IPv4Network] | None = Field(
        default=None, description="Explicit public subnet CIDRs, one per AZ; derived if omitted."
    )
    interface_endpoints: list[str] = Field(
        default_factory=lambda: list(DEFAULT_INTERFACE_ENDPOINTS),
        description="AWS services reached through private interface endpoints.",
    )
    flow_log_retention_days: int | None = Field(
        default=None,
        description="Retention of VPC flow logs; defaults to monitoring.logRetentionDays.",
    )
    existing_vpc: ExistingVpc | None = Field(
        default=None, description="Use an existing VPC instead of creating one."
    )

    @field_validator("cidr", mode="before")
    @classmethod
    def _strict_cidr(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return ipaddress.IPv4Network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"'{value}' is not a valid IPv4 CIDR block ({exc})") from None
        return value

    @field_validator("cidr")
    @classmethod
    def _private_range(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not cidr.is_private:
            raise ValueError(f"{cidr} is not a private (RFC 1918) range")
        if not 16 <= cidr.prefixlen <= 20:
            raise ValueError(f"{cidr} must be between a /16 and a /20 (got /{cidr.prefixlen})")
        return cidr

    @field_validator("interface_endpoints")
    @classmethod
    def _known_endpoints(cls, services: list[str]) -> list[str]:
        for index, service in enumerate(services):
            if service not in KNOWN_INTERFACE_ENDPOINTS:
                raise rule_error(
                    f"[{index}]",
                    f"unknown interface endpoint service '{service}' "
                    f"(known: {', '.join(sorted(KNOWN_INTERFACE_ENDPOINTS))})",
                )
        if len(set(services)) != len(services):
            raise ValueError("services repeat")
        return services

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkConfig:
        for key in ("private_subnet_cidrs", "public_subnet_cidrs"):
            cidrs = getattr(self, key)
            if cidrs is None:
                continue
            alias = "privateSubnetCidrs" if key.startswith("private") else "publicSubnetCidrs"
            if len(cidrs) != self.az_count:
                raise rule_error(alias, f"has {len(cidrs)} subnets but azCount is {self.az_count}")
            for index, cidr in enumerate(cidrs):
                if not cidr.subnet_of(self.cidr):
                    raise rule_error(f"{alias}[{index}]", f"{cidr} is outside the VPC {self.cidr}")
        subnets = [
            (f"{alias}[{i}]", c)
            for alias, cidrs in (
                ("privateSubnetCidrs", self.private_subnet_cidrs),
                ("publicSubnetCidrs", self.public_subnet_cidrs),
            )
            for i, c in enumerate(cidrs or [])
        ]
        for i, (path_a, a) in enumerate(subnets):
            for path_b, b in subnets[i + 1 :]:
                if a.overlaps(b):
                    raise rule_error(path_b, f"{b} overlaps {path_a} ({a})")
        return self

    def subnet_plan(self) -> tuple[list[str], list[str]]:
        """(private, public) subnet CIDRs, one per AZ.

        Derived layout: the VPC is cut into eight blocks; private subnets take one block
        each (room for many pods with the VPC CNI), public subnets share the last block.
        """
        blocks = list(self.cidr.subnets(prefixlen_diff=3))
        private = self.private_subnet_cidrs or blocks[: self.az_count]
        public = (
            self.public_subnet_cidrs or list(blocks[-1].subnets(prefixlen_diff=3))[: self.az_count]
        )
        return [str(c) for c in private], [str(c) for c in public]
