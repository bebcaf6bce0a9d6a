"""PlatformKey: the customer-managed KMS key (and alias) every data store of a stack uses.

Other components take its `arn` as `kms_key_arn`.
"""

import pulumi

from components import Deployment, PlatformKey

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="prod",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
    protect_stateful=True,
)

key = PlatformKey("platform-key", deployment)

pulumi.export("kms_key_arn", key.arn)
pulumi.export("kms_alias", key.alias_name)
