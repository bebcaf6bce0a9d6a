"""The stack's AWS Budget: limit above the plan's estimate, alerts reach the encrypted topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from infra.plan import Plan
from tests.helpers import of_type, policy_json


def _statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def test_every_shipped_budget_covers_its_estimate(any_shipped_plan: Plan) -> None:
    (budget,) = of_type(any_shipped_plan, "aws:budgets/budget:Budget")
    inputs = budget["inputs"]
    assert float(inputs["limitAmount"]) >= any_shipped_plan.cost["monthlyUsd"]
    assert (inputs["budgetType"], inputs["timeUnit"], inputs["limitUnit"]) == (
        "COST", "MONTHLY", "USD",
    )  # fmt: skip
    stack = any_shipped_plan.stack
    assert inputs["name"] == f"mlops-{stack}-monthly"
    assert inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:stack${stack}"]}]


def test_forecast_and_actual_alerts_go_to_the_alert_topic(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    (budget,) = of_type(plan, "aws:budgets/budget:Budget")
    (topic,) = of_type(plan, "aws:sns/topic:Topic")
    kinds = {n["notificationType"]: n for n in budget["inputs"]["notifications"]}
    assert set(kinds) == {"FORECASTED", "ACTUAL"}
    assert kinds["ACTUAL"]["threshold"] == 80 and kinds["FORECASTED"]["threshold"] == 100
    for notification in kinds.values():
        (arn,) = notification["subscriberSnsTopicArns"]
        assert arn.startswith("arn:aws:sns:") and arn.endswith(topic["inputs"]["name"])


def test_budgets_may_publish_to_the_encrypted_topic_from_this_account_only(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    (topic_policy,) = of_type(plan, "aws:sns/topicPolicy:TopicPolicy")
    publish = _statement(policy_json(topic_policy), "BudgetsPublish")
    assert publish["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in publish["Condition"]["StringEquals"]
    (key,) = [k for k in of_type(plan, "aws:kms/key:Key") if "AlarmsPublishToEncryptedTopic"
              in json.dumps(k["inputs"].get("policy", ""))]  # fmt: skip
    use = _statement(policy_json(key), "AlarmsPublishToEncryptedTopic")
    assert "budgets.amazonaws.com" in use["Principal"]["Service"]
