"""ModelRegistry: a model family shared with a prod account, a serving image and MLflow.

The prod account may read and deploy the family's versions and pull the image.
"""

import pulumi

from components import (
    Deployment,
    MlflowArgs,
    ModelFamilyArgs,
    ModelRegistry,
    ModelRegistryArgs,
    ServingImageArgs,
)

PROD_ACCOUNT = "210987654321"

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

registry = ModelRegistry(
    "model-registry",
    ModelRegistryArgs(
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        models=[
            ModelFamilyArgs(
                name="fraud-detector",
                description="Card-not-present fraud scoring",
                consumer_accounts=[PROD_ACCOUNT],
            )
        ],
        images=[
            ServingImageArgs(
                name="fraud-serving", keep_scratch_images=10, consumer_accounts=[PROD_ACCOUNT]
            )
        ],
        mlflow=MlflowArgs(size="Small", automatic_model_registration=True),
    ),
    deployment,
)

pulumi.export("model_package_group_arns", registry.model_package_group_arns)
pulumi.export("repository_urls", registry.repository_urls)
