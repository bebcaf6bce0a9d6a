"""Network: subnets over the AZs, NAT per environment, private endpoints, flow logs."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from components import Deployment, ExistingVpcArgs, Network, NetworkArgs
from infra.plan import Plan, record_resources
from tests.helpers import of_type, policy_json
from tests.stacks import region

EXPECTED = {  # stack: (AZs, NAT gateways)
    "dev": (2, 1),
    "staging": (3, 1),
    "prod": (3, 3),
}


@pytest.mark.parametrize("stack", EXPECTED)
def test_subnets_and_nat_gateways_per_environment(
    stack: str, shipped_plan: Callable[[str], Plan]
) -> None:
    plan = shipped_plan(stack)
    azs, nats = EXPECTED[stack]
    subnets = of_type(plan, "aws:ec2/subnet:Subnet")
    private = [s for s in subnets if "internal-elb" in str(s["inputs"]["tags"])]
    public = [s for s in subnets if "kubernetes.io/role/elb" in s["inputs"]["tags"]]
    assert len(private) == len(public) == azs
    assert len({s["inputs"]["availabilityZone"] for s in private}) == azs
    assert all(s["inputs"]["mapPublicIpOnLaunch"] is False for s in subnets)
    assert len(of_type(plan, "aws:ec2/natGateway:NatGateway")) == nats


def test_subnets_do_not_overlap_and_fit_the_vpc(any_shipped_plan: Plan) -> None:
    (vpc,) = of_type(any_shipped_plan, "aws:ec2/vpc:Vpc")
    block = ipaddress.ip_network(vpc["inputs"]["cidrBlock"])
    cidrs = [ipaddress.ip_network(s["inputs"]["cidrBlock"])
             for s in of_type(any_shipped_plan, "aws:ec2/subnet:Subnet")]  # fmt: skip
    assert all(c.subnet_of(block) for c in cidrs)
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])


def test_prod_private_subnets_route_through_their_own_nat(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    nat_urns = {n["urn"] for n in of_type(plan, "aws:ec2/natGateway:NatGateway")}
    private_routes = [r for r in of_type(plan, "aws:ec2/route:Route")
                      if "natGatewayId" in r["inputs"]]  # fmt: skip
    assert len(private_routes) == 3
    used = {next(d for d in r["dependsOn"] if d in nat_urns) for r in private_routes}
    assert used == nat_urns


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_endpoints_keep_aws_traffic_private(
    stack: str, shipped_plan: Callable[[str], Plan]
) -> None:
    any_shipped_plan = shipped_plan(stack)
    endpoints = of_type(any_shipped_plan, "aws:ec2/vpcEndpoint:VpcEndpoint")
    by_service = {e["inputs"]["serviceName"].rsplit(".", 1)[-1]: e for e in endpoints}
    services = {e["inputs"]["serviceName"].removeprefix(f"com.amazonaws.{region(stack)}.")
                for e in endpoints}  # fmt: skip
    assert {"s3", "sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts", "logs",
            "monitoring"} <= services  # fmt: skip
    assert by_service["s3"]["inputs"]["vpcEndpointType"] == "Gateway"
    interface = [e for e in endpoints if e["inputs"]["vpcEndpointType"] == "Interface"]
    assert all(e["inputs"]["privateDnsEnabled"] for e in interface)
    # The endpoints' group lets the VPC in; other groups' rules name a peer group instead.
    ingress = of_type(any_shipped_plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    (rule,) = [r for r in ingress if "cidrIpv4" in r["inputs"]]
    assert (rule["inputs"]["fromPort"], rule["inputs"]["toPort"]) == (443, 443)
    (vpc,) = of_type(any_shipped_plan, "aws:ec2/vpc:Vpc")
    assert rule["inputs"]["cidrIpv4"] == vpc["inputs"]["cidrBlock"]


def test_dev_keeps_only_the_free_s3_gateway_endpoint(
    shipped_plan: Callable[[str], Plan],
) -> None:
    """Seven interface endpoints over two AZs would cost more than the rest of dev's network."""
    endpoints = of_type(shipped_plan("dev"), "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert [(e["inputs"]["serviceName"], e["inputs"]["vpcEndpointType"]) for e in endpoints] == [
        ("com.amazonaws.eu-west-1.s3", "Gateway")
    ]


def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(
    any_shipped_plan: Plan,
) -> None:
    (flow_log,) = of_type(any_shipped_plan, "aws:ec2/flowLog:FlowLog")
    assert flow_log["inputs"]["trafficType"] == "ALL"
    groups = {g["inputs"]["name"]: g for g in of_type(
        any_shipped_plan, "aws:cloudwatch/logGroup:LogGroup")}  # fmt: skip
    group = groups[f"/mlops/{any_shipped_plan.stack}/vpc-flow-logs"]
    assert group["inputs"]["kmsKeyId"].startswith("arn:aws:kms:")
    assert (
        group["inputs"]["retentionInDays"] == any_shipped_plan.config.monitoring.log_retention_days
    )
    assert flow_log["inputs"]["logDestination"].endswith("vpc-flow-logs")
    role_policy = next(p for p in of_type(any_shipped_plan, "aws:iam/rolePolicy:RolePolicy")
                       if "flow-logs" in p["name"])  # fmt: skip
    (statement,) = policy_json(role_policy)["Statement"]
    assert "*" not in statement["Resource"]


def test_default_security_group_allows_nothing(any_shipped_plan: Plan) -> None:
    (sg,) = of_type(any_shipped_plan, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert not sg["inputs"].get("ingress") and not sg["inputs"].get("egress")


def test_existing_vpc_creates_no_layout_only_endpoints_and_flow_logs() -> None:
    deployment = Deployment(stack="byo", environment="prod", region="eu-west-1",
                            protect_stateful=True)  # fmt: skip
    args = NetworkArgs(
        cidr="10.0.0.0/16", private_subnet_cidrs=[], public_subnet_cidrs=[], nat_per_az=True,
        interface_endpoints=["sts"], flow_log_retention_days=365, kms_key_arn="arn:k",
        existing_vpc=ExistingVpcArgs(
            vpc_id="vpc-0123456789abcdef0",
            private_subnet_ids=["subnet-0000000a", "subnet-0000000b", "subnet-0000000c"],
            private_route_table_ids=["rtb-0000000a"],
        ),
    )  # fmt: skip
    resources, _ = record_resources(lambda: Network("network", args, deployment))
    types = {r["type"] for r in resources}
    assert not types & {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/internetGateway:InternetGateway",
    }
    endpoints = [r for r in resources if r["type"] == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    s3 = next(e for e in endpoints if e["inputs"]["serviceName"].endswith(".s3"))
    assert s3["inputs"]["routeTableIds"] == ["rtb-0000000a"]
    sts = next(e for e in endpoints if e["inputs"]["serviceName"].endswith(".sts"))
    assert sts["inputs"]["subnetIds"] == args.existing_vpc.private_subnet_ids
    (flow_log,) = [r for r in resources if r["type"] == "aws:ec2/flowLog:FlowLog"]
    assert flow_log["inputs"]["vpcId"] == "vpc-0123456789abcdef0"
    (log_group,) = [r for r in resources if r["type"] == "aws:cloudwatch/logGroup:LogGroup"]
    assert log_group["protect"] and log_group["retainOnDelete"]
