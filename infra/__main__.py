"""The mlops-platform program: one secure MLOps platform per stack, shaped by its stack file.

stack file -> config -> PlatformKey ─┬─> Network
                                     ├─> FeatureStore ──┐
                                     ├─> ModelRegistry ─┼─> TrainingCluster
                                     │                  └─> ServingEndpoints ─> Monitoring
                                     └─> CiAccess
"""

import pulumi

from components import Network, PlatformKey, TrainingCluster
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

if config.training.enabled:
    training = TrainingCluster(
        "training",
        args.training(
            config,
            kms_key_arn=key.arn,
            private_subnet_ids=network.private_subnet_ids,
            # Data the training teams reach: feature store + artifact buckets, model groups.
            workload_bucket_arns=[],
            model_package_group_arns=[],
        ),
        deployment,
    )
    pulumi.export("eksClusterName", training.cluster_name)
    pulumi.export("eksNodeGroupNames", training.node_group_names)
