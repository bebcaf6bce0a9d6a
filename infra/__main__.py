"""The mlops-platform program: one secure MLOps platform per stack, shaped by its stack file.

stack file -> config -> PlatformKey ─┬─> Network
                                     ├─> FeatureStore ──┐
                                     ├─> ModelRegistry ─┼─> TrainingCluster
                                     │                  └─> ServingEndpoints ─> Monitoring
                                     └─> CiAccess
"""

import pulumi

from components import Network, PlatformKey
from components.ci_access import CiAccess
from infra import args
from infra.config.loader import config_from_pulumi_or_exit

config = config_from_pulumi_or_exit()
deployment = args.deployment(config, pulumi.get_stack())

key = PlatformKey("platform-key", deployment)
network = Network("network", args.network(config, key.arn), deployment)

pulumi.export("environment", config.environment)
pulumi.export("region", config.region)
pulumi.export("kmsKeyArn", key.arn)
pulumi.export("kmsKeyAlias", key.alias_name)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("publicSubnetIds", network.public_subnet_ids)

ci_args = args.ci_access(config, pulumi.get_stack())
if ci_args is not None:
    ci = CiAccess("ci-access", ci_args, deployment)
    pulumi.export("ciPreviewRoleArn", ci.preview_role_arn)
    pulumi.export("ciDeployRoleArn", ci.deploy_role_arn)
