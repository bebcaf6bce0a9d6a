"""The stack's AWS Budget: forecast and actual spend alerts on the alert topic."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ..context import STACK_TAG, Deployment
from .args import BudgetArgs


def stack_budget(
    name: str,
    args: BudgetArgs,
    deployment: Deployment,
    *,
    topic_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.budgets.Budget:
    """`mlops-<stack>-monthly`: cost of the resources tagged with this stack, per month."""
    notifications = [
        aws.budgets.BudgetNotificationArgs(
            comparison_operator="GREATER_THAN",
            notification_type=kind,
            threshold=percent,
            threshold_type="PERCENTAGE",
            subscriber_sns_topic_arns=[topic_arn],
        )
        for kind, percent in (
            ("FORECASTED", args.forecast_percent),
            ("ACTUAL", args.actual_percent),
        )
    ]
    return aws.budgets.Budget(
        f"{name}-budget",
        name=deployment.name("monthly"),
        budget_type="COST",
        time_unit="MONTHLY",
        limit_amount=f"{args.monthly_limit_usd:.2f}",
        limit_unit="USD",
        cost_filters=[
            aws.budgets.BudgetCostFilterArgs(
                name="TagKeyValue",
                values=[f"user:{STACK_TAG}${deployment.stack}"],
            )
        ],
        notifications=notifications,
        tags=deployment.tagged(deployment.name("monthly")),
        opts=pulumi.ResourceOptions(parent=parent),
    )
