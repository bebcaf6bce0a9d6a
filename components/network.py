"""Network: the VPC, subnets, egress and private AWS endpoints the platform runs in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .aws_context import aws_identity
from .context import Deployment
from .iam import service_role
from .logs import encrypted_log_group
from .output_values import concat


@dataclass
class ExistingVpcArgs:
    """An existing VPC to deploy into: nothing of its layout is created or changed.

    Args:
        vpc_id: The VPC; its CIDR (looked up) is what the endpoint security group admits.
        private_subnet_ids: Subnets of the interface endpoints; returned as
            `private_subnet_ids`.
        public_subnet_ids: Returned as `public_subnet_ids`.
        private_route_table_ids: Route tables the S3 gateway endpoint is added to; none, no
            S3 endpoint.
    """

    vpc_id: str
    private_subnet_ids: Sequence[str]
    public_subnet_ids: Sequence[str] = ()
    private_route_table_ids: Sequence[str] = ()


@dataclass
class NetworkArgs:
    """Inputs of a Network.

    Args:
        cidr: VPC CIDR block of a new VPC.
        private_subnet_cidrs: One private subnet per AZ (nodes, endpoints, SageMaker ENIs).
        public_subnet_cidrs: One public subnet per AZ (NAT gateways, internet-facing LBs).
        nat_per_az: One NAT gateway per AZ (prod) instead of a single shared one (dev).
        interface_endpoints: Service suffixes (`sagemaker.api`, ...) to reach privately.
        flow_log_retention_days: Retention of the VPC flow-log group.
        kms_key_arn: Key encrypting the flow-log group.
        existing_vpc: Deploy into this VPC instead of creating one.
        private_subnet_tags: Extra tags of the private subnets (e.g. the tag by which
            Karpenter finds the subnets of its nodes). Tags change in place: adding one
            replaces no subnet. On an existing VPC each is added with an `ec2.Tag`.
    """

    cidr: str
    private_subnet_cidrs: Sequence[str]
    public_subnet_cidrs: Sequence[str]
    nat_per_az: bool
    interface_endpoints: Sequence[str]
    flow_log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    existing_vpc: ExistingVpcArgs | None = None
    private_subnet_tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _VpcLayout:
    """What the endpoints, flow logs and outputs need of the VPC, created or existing."""

    vpc_id: pulumi.Output[str]
    cidr_block: pulumi.Output[str]
    private_subnet_ids: list[pulumi.Output[str]]
    public_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]


def _existing_layout(existing: ExistingVpcArgs) -> _VpcLayout:
    """The layout of an existing VPC; only its CIDR is looked up."""
    return _VpcLayout(
        vpc_id=pulumi.Output.from_input(existing.vpc_id),
        cidr_block=aws.ec2.get_vpc_output(id=existing.vpc_id).cidr_block,
        private_subnet_ids=[pulumi.Output.from_input(i) for i in existing.private_subnet_ids],
        public_subnet_ids=[pulumi.Output.from_input(i) for i in existing.public_subnet_ids],
        private_route_table_ids=[
            pulumi.Output.from_input(i) for i in existing.private_route_table_ids
        ],
    )


def _zone(zones: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    """The index-th available AZ name (a function, so each subnet binds its own index)."""
    return zones.apply(lambda names: names[index])


class Network(pulumi.ComponentResource):
    """A private-by-default VPC.

    New VPC: public and private subnets over N AZs, an internet gateway, NAT gateways (one
    shared, or one per AZ so an AZ outage does not cut egress of the others), route tables,
    and the default security group stripped of all rules. In both modes: an S3 gateway
    endpoint (free, keeps training data off NAT), interface endpoints for SageMaker, ECR,
    STS and CloudWatch behind a security group that admits HTTPS from the VPC only, and
    flow logs of all traffic to a KMS-encrypted log group.

    Outputs:
        vpc_id: VPC id.
        private_subnet_ids: Private subnet ids, one per AZ.
        public_subnet_ids: Public subnet ids, one per AZ.
        endpoint_security_group_id: Security group of the interface endpoints.
    """

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    public_subnet_ids: pulumi.Output[list[str]]
    endpoint_security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: NetworkArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:network:Network", name, None, opts)
        self._name = name
        self._deployment = deployment

        if args.existing_vpc is None:
            layout = self._create_vpc(args)
        else:
            layout = _existing_layout(args.existing_vpc)
            self._tag_existing_subnets(args.existing_vpc, args.private_subnet_tags)
        self._s3_endpoint(layout)
        endpoint_sg = self._interface_endpoints(layout, args.interface_endpoints)
        self._flow_logs(layout.vpc_id, args)

        self.vpc_id = layout.vpc_id
        self.private_subnet_ids = pulumi.Output.all(*layout.private_subnet_ids)
        self.public_subnet_ids = pulumi.Output.all(*layout.public_subnet_ids)
        self.endpoint_security_group_id = endpoint_sg.id
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "endpoint_security_group_id": self.endpoint_security_group_id,
            }
        )

    def _tag_existing_subnets(self, existing: ExistingVpcArgs, tags: Mapping[str, str]) -> None:
        """Add the extra tags to subnets this stack does not own (ec2.Tag changes only them)."""
        for subnet_id in existing.private_subnet_ids:
            for key, value in tags.items():
                aws.ec2.Tag(
                    f"{self._name}-{subnet_id}-{key.replace('/', '-')}",
                    resource_id=subnet_id,
                    key=key,
                    value=value,
                    opts=pulumi.ResourceOptions(parent=self),
                )

    def _s3_endpoint(self, layout: _VpcLayout) -> None:
        """The S3 gateway endpoint on the private route tables (none given, none created)."""
        name, d = self._name, self._deployment
        if not layout.private_route_table_ids:
            return
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=layout.vpc_id,
            service_name=f"com.amazonaws.{d.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=layout.private_route_table_ids,
            tags=d.tagged(d.name("s3")),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _interface_endpoints(
        self, layout: _VpcLayout, services: Sequence[str]
    ) -> aws.ec2.SecurityGroup:
        """Interface endpoints in the private subnets behind an HTTPS-from-the-VPC group."""
        name, d = self._name, self._deployment
        child = pulumi.ResourceOptions(parent=self)
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            name=d.name("vpc-endpoints"),
            description="HTTPS from inside the VPC to AWS interface endpoints",
            vpc_id=layout.vpc_id,
            tags=d.tagged(d.name("vpc-endpoints")),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=endpoint_sg.id,
            description="HTTPS from the VPC",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=layout.cidr_block,
            tags=d.tagged(),
            opts=pulumi.ResourceOptions(parent=endpoint_sg),
        )
        for service in services:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=layout.vpc_id,
                service_name=f"com.amazonaws.{d.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=layout.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                tags=d.tagged(d.name(service.replace(".", "-"))),
                opts=child,
            )
        return endpoint_sg

    def _create_vpc(self, args: NetworkArgs) -> _VpcLayout:
        """A new VPC: core, subnets over the AZs, NAT egress and private route tables."""
        vpc, igw = self._vpc_core(args)
        public_subnets, private_subnets = self._subnets(vpc, igw, args)
        nats = self._nat_gateways(vpc, igw, public_subnets, args.nat_per_az)
        route_tables = self._private_routes(vpc, private_subnets, nats)
        return _VpcLayout(
            vpc_id=vpc.id,
            cidr_block=vpc.cidr_block,
            private_subnet_ids=[s.id for s in private_subnets],
            public_subnet_ids=[s.id for s in public_subnets],
            private_route_table_ids=[rt.id for rt in route_tables],
        )

    def _vpc_core(self, args: NetworkArgs) -> tuple[aws.ec2.Vpc, aws.ec2.InternetGateway]:
        """The VPC, its locked-down default security group and its internet gateway."""
        name, d = self._name, self._deployment
        vpc = aws.ec2.Vpc(
            name,
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=d.tagged(d.name("vpc")),
            opts=pulumi.ResourceOptions(parent=self),
        )
        in_vpc = pulumi.ResourceOptions(parent=vpc)
        # CIS AWS 5.4: the default security group allows nothing.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            tags=d.tagged(d.name("default-deny")),
            opts=in_vpc,
        )
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags=d.tagged(d.name("igw")), opts=in_vpc
        )
        return vpc, igw

    def _subnets(
        self, vpc: aws.ec2.Vpc, igw: aws.ec2.InternetGateway, args: NetworkArgs
    ) -> tuple[list[aws.ec2.Subnet], list[aws.ec2.Subnet]]:
        """A public and a private subnet per AZ; the public ones route to the internet gateway."""
        name, d = self._name, self._deployment
        in_vpc = pulumi.ResourceOptions(parent=vpc)
        zones = aws.get_availability_zones_output(state="available").names
        public_rt = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id, tags=d.tagged(d.name("public")), opts=in_vpc
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=pulumi.ResourceOptions(parent=public_rt),
        )
        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        for i in range(len(args.private_subnet_cidrs)):
            zone = _zone(zones, i)
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=args.public_subnet_cidrs[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=d.tagged(d.name("public", str(i)), **{"kubernetes.io/role/elb": "1"}),
                opts=in_vpc,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=pulumi.ResourceOptions(parent=public),
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=args.private_subnet_cidrs[i],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=d.tagged(
                    d.name("private", str(i)),
                    **{"kubernetes.io/role/internal-elb": "1", **args.private_subnet_tags},
                ),
                opts=in_vpc,
            )
            public_subnets.append(public)
            private_subnets.append(private)
        return public_subnets, private_subnets

    def _nat_gateways(
        self,
        vpc: aws.ec2.Vpc,
        igw: aws.ec2.InternetGateway,
        public_subnets: list[aws.ec2.Subnet],
        per_az: bool,
    ) -> list[aws.ec2.NatGateway]:
        """One NAT gateway per AZ, or a single shared one in the first public subnet."""
        name, d = self._name, self._deployment
        nats: list[aws.ec2.NatGateway] = []
        for i in range(len(public_subnets) if per_az else 1):
            eip = aws.ec2.Eip(
                f"{name}-nat-{i}",
                domain="vpc",
                tags=d.tagged(d.name("nat", str(i))),
                opts=pulumi.ResourceOptions(parent=vpc),
            )
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public_subnets[i].id,
                    connectivity_type="public",
                    tags=d.tagged(d.name("nat", str(i))),
                    # A public NAT gateway needs the VPC's internet gateway attached first.
                    opts=pulumi.ResourceOptions(parent=vpc, depends_on=[igw]),
                )
            )
        return nats

    def _private_routes(
        self,
        vpc: aws.ec2.Vpc,
        private_subnets: list[aws.ec2.Subnet],
        nats: list[aws.ec2.NatGateway],
    ) -> list[aws.ec2.RouteTable]:
        """A route table per private subnet, its default route through its AZ's NAT gateway."""
        name, d = self._name, self._deployment
        route_tables: list[aws.ec2.RouteTable] = []
        for i, private in enumerate(private_subnets):
            rt = aws.ec2.RouteTable(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                tags=d.tagged(d.name("private", str(i))),
                opts=pulumi.ResourceOptions(parent=vpc),
            )
            aws.ec2.Route(
                f"{name}-private-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                # A single shared NAT gateway serves every AZ.
                nat_gateway_id=nats[i if len(nats) > 1 else 0].id,
                opts=pulumi.ResourceOptions(parent=rt),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}",
                subnet_id=private.id,
                route_table_id=rt.id,
                opts=pulumi.ResourceOptions(parent=private),
            )
            route_tables.append(rt)
        return route_tables

    def _flow_logs(self, vpc_id: pulumi.Input[str], args: NetworkArgs) -> None:
        name, d = self._name, self._deployment
        ident = aws_identity()
        log_group = encrypted_log_group(
            f"{name}-flow-logs",
            d,
            log_group_name=f"/mlops/{d.stack}/vpc-flow-logs",
            retention_days=args.flow_log_retention_days,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        role = service_role(
            f"{name}-flow-logs",
            d,
            role_name=d.name("vpc-flow-logs"),
            services=["vpc-flow-logs.amazonaws.com"],
            parent=self,
            description="VPC flow logs delivery to the stack's log group",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": [
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "logs:DescribeLogStreams",
                    ],
                    "Resource": [log_group.arn, concat(log_group.arn, ":*")],
                }
            ],
            # Only flow logs of this account may use the role (confused-deputy protection).
            source_account=ident.account_id,
            source_arn=concat(
                "arn:", ident.partition, f":ec2:{d.region}:", ident.account_id, ":vpc-flow-log/*"
            ),
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=vpc_id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=d.tagged(d.name("flow-log")),
            # The service checks it may write to the log group when the flow log is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=role.ready),
        )
