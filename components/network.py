"""Network: the VPC, subnets, egress and private AWS endpoints the platform runs in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .aws_context import aws_identity
from .context import Deployment
from .iam import service_role
from .logs import encrypted_log_group


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
    """

    cidr: str
    private_subnet_cidrs: Sequence[str]
    public_subnet_cidrs: Sequence[str]
    nat_per_az: bool
    interface_endpoints: Sequence[str]
    flow_log_retention_days: int
    kms_key_arn: pulumi.Input[str]
    existing_vpc: ExistingVpcArgs | None = None


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
        child = pulumi.ResourceOptions(parent=self)

        if args.existing_vpc is None:
            vpc_id, vpc_cidr, private_ids, public_ids, route_table_ids = self._create_vpc(args)
        else:
            existing = args.existing_vpc
            vpc_id = pulumi.Output.from_input(existing.vpc_id)
            vpc_cidr = aws.ec2.get_vpc_output(id=existing.vpc_id).cidr_block
            private_ids = [pulumi.Output.from_input(i) for i in existing.private_subnet_ids]
            public_ids = [pulumi.Output.from_input(i) for i in existing.public_subnet_ids]
            route_table_ids = [
                pulumi.Output.from_input(i) for i in existing.private_route_table_ids
            ]

        region = deployment.region
        if route_table_ids:
            aws.ec2.VpcEndpoint(
                f"{name}-s3",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.s3",
                vpc_endpoint_type="Gateway",
                route_table_ids=route_table_ids,
                tags=deployment.tagged(deployment.name("s3")),
                opts=child,
            )

        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints",
            name=deployment.name("vpc-endpoints"),
            description="HTTPS from inside the VPC to AWS interface endpoints",
            vpc_id=vpc_id,
            tags=deployment.tagged(deployment.name("vpc-endpoints")),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https",
            security_group_id=endpoint_sg.id,
            description="HTTPS from the VPC",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=vpc_cidr,
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=endpoint_sg),
        )
        for service in args.interface_endpoints:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=private_ids,
                security_group_ids=[endpoint_sg.id],
                tags=deployment.tagged(deployment.name(service.replace(".", "-"))),
                opts=child,
            )

        self._flow_logs(vpc_id, args)

        self.vpc_id = vpc_id
        self.private_subnet_ids = pulumi.Output.all(*private_ids)
        self.public_subnet_ids = pulumi.Output.all(*public_ids)
        self.endpoint_security_group_id = endpoint_sg.id
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "private_subnet_ids": self.private_subnet_ids,
                "public_subnet_ids": self.public_subnet_ids,
                "endpoint_security_group_id": self.endpoint_security_group_id,
            }
        )

    def _create_vpc(self, args: NetworkArgs):  # type: ignore[no-untyped-def]
        name, d = self._name, self._deployment
        child = pulumi.ResourceOptions(parent=self)
        az_count = len(args.private_subnet_cidrs)
        zones = aws.get_availability_zones_output(state="available").names

        vpc = aws.ec2.Vpc(
            name,
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=d.tagged(d.name("vpc")),
            opts=child,
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
        for i in range(az_count):
            zone = zones.apply(lambda names, i=i: names[i])
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
                    d.name("private", str(i)), **{"kubernetes.io/role/internal-elb": "1"}
                ),
                opts=in_vpc,
            )
            public_subnets.append(public)
            private_subnets.append(private)

        nat_count = az_count if args.nat_per_az else 1
        nats: list[aws.ec2.NatGateway] = []
        for i in range(nat_count):
            eip = aws.ec2.Eip(
                f"{name}-nat-{i}", domain="vpc", tags=d.tagged(d.name("nat", str(i))), opts=in_vpc
            )
            nats.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public_subnets[i].id,
                    connectivity_type="public",
                    tags=d.tagged(d.name("nat", str(i))),
                    opts=pulumi.ResourceOptions(parent=vpc, depends_on=[igw]),
                )
            )

        route_tables: list[aws.ec2.RouteTable] = []
        for i, private in enumerate(private_subnets):
            rt = aws.ec2.RouteTable(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                tags=d.tagged(d.name("private", str(i))),
                opts=in_vpc,
            )
            aws.ec2.Route(
                f"{name}-private-{i}-default",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nats[i if args.nat_per_az else 0].id,
                opts=pulumi.ResourceOptions(parent=rt),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}",
                subnet_id=private.id,
                route_table_id=rt.id,
                opts=pulumi.ResourceOptions(parent=private),
            )
            route_tables.append(rt)

        return (
            vpc.id,
            vpc.cidr_block,
            [s.id for s in private_subnets],
            [s.id for s in public_subnets],
            [rt.id for rt in route_tables],
        )

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
                    "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
                }
            ],
            # Only flow logs of this account may use the role (confused-deputy protection).
            source_account=ident.account_id,
            source_arn=pulumi.Output.concat(
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
