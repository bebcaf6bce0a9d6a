"""FeatureStore: one feature group with an online store and an offline store in Glue.

The group's physical name is `mlops-<stack>-customer-profile`.
"""

import pulumi

from components import (
    Deployment,
    FeatureArgs,
    FeatureGroupArgs,
    FeatureStore,
    FeatureStoreArgs,
)

deployment = Deployment(
    stack=pulumi.get_stack(),
    environment="dev",
    region=pulumi.Config("aws").require("region"),
    tags={"owner": "ml-platform", "cost-center": "4711"},
)

feature_store = FeatureStore(
    "feature-store",
    FeatureStoreArgs(
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        feature_groups=[
            FeatureGroupArgs(
                name="customer-profile",
                description="Customer attributes for fraud and churn models",
                record_identifier="customer_id",
                event_time="event_time",
                features=[
                    FeatureArgs(name="customer_id", type="String"),
                    FeatureArgs(name="event_time", type="String"),
                    FeatureArgs(name="lifetime_value", type="Fractional"),
                    FeatureArgs(name="orders_30d", type="Integral"),
                ],
                ttl_days=7,
            )
        ],
    ),
    deployment,
)

pulumi.export("feature_group_arns", feature_store.feature_group_arns)
