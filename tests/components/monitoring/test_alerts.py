"""The alert topic: encrypted, subscribed, and who may publish to it."""

from __future__ import annotations

from typing import Any

from infra.plan import SECRET_SHOWN, Plan
from tests.helpers import of_type, policy_json

from .common import (
    SUBSCRIPTION,
    TOPIC,
)


def test_alert_topic_is_encrypted_and_subscribed_as_configured(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (topic,) = of_type(plan, TOPIC)
    assert topic["inputs"]["kmsMasterKeyId"] == plan.outputs["kmsKeyArn"]
    assert plan.outputs["alertTopicArn"].endswith(f"mlops-{plan.stack}-alerts")
    subscriptions = {
        (s["inputs"]["protocol"], s["inputs"]["endpoint"]) for s in of_type(plan, SUBSCRIPTION)
    }
    monitoring = plan.config.monitoring
    # Webhook URLs embed integration keys: secrets in state, masked in the plan.
    assert subscriptions == {("email", e) for e in monitoring.alert_emails} | {
        ("https", SECRET_SHOWN) for _ in monitoring.alert_https_endpoints
    }
    policy = policy_json(of_type(plan, "aws:sns/topicPolicy:TopicPolicy")[0])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CloudWatchAlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"


def test_prod_subscribes_email_and_https(shipped_plan: Any) -> None:
    protocols = sorted(s["inputs"]["protocol"] for s in of_type(shipped_plan("prod"), SUBSCRIPTION))
    assert protocols == ["email", "https"]
