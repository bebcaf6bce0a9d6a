"""Network: a new private-by-default VPC over three AZs with a NAT gateway per AZ.

To deploy into an existing VPC instead, pass `existing_vpc=ExistingVpcArgs(...)`.
"""

import pulumi

from components import Deployment, Network, NetworkArgs

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="prod",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
    protect_stateful=True,
)

network = Network(
    "network",
    NetworkArgs(
        cidr="10.30.0.0/16",
        private_subnet_cidrs=["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19"],
        public_subnet_cidrs=["10.30.96.0/22", "10.30.100.0/22", "10.30.104.0/22"],
        nat_per_az=True,
        interface_endpoints=["sagemaker.api", "sagemaker.runtime", "ecr.api", "ecr.dkr", "sts"],
        flow_log_retention_days=365,
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    deployment,
)

pulumi.export("vpc_id", network.vpc_id)
pulumi.export("private_subnet_ids", network.private_subnet_ids)
