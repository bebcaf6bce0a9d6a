"""PlatformKey: a rotating customer-managed key usable by the platform's services."""

from __future__ import annotations

from collections.abc import Callable

from infra.plan import Plan
from tests.helpers import of_type, policy_json


def test_key_rotates_yearly(any_shipped_plan: Plan) -> None:
    (key,) = of_type(any_shipped_plan, "aws:kms/key:Key")
    assert key["inputs"]["enableKeyRotation"] is True
    assert key["inputs"]["rotationPeriodInDays"] == 365


def test_alias_names_the_stack(any_shipped_plan: Plan) -> None:
    (alias,) = of_type(any_shipped_plan, "aws:kms/alias:Alias")
    assert alias["inputs"]["name"] == f"alias/mlops-{any_shipped_plan.stack}-data"


def test_logs_may_use_the_key_only_for_this_accounts_log_groups(
    shipped_plan: Callable[[str], Plan],
) -> None:
    (key,) = of_type(shipped_plan("dev"), "aws:kms/key:Key")
    statements = {s["Sid"]: s for s in policy_json(key)["Statement"]}
    logs = statements["CloudWatchLogsEncryptsStackLogGroups"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:*"
    )
    via = statements["PlatformServicesUseKeyForAccount"]["Condition"]
    assert "sagemaker.eu-west-1.amazonaws.com" in via["ForAnyValue:StringEquals"]["kms:ViaService"]
    assert "eks.eu-west-1.amazonaws.com" in via["ForAnyValue:StringEquals"]["kms:ViaService"]


def test_prod_key_is_protected_with_a_long_deletion_window(
    shipped_plan: Callable[[str], Plan],
) -> None:
    (prod_key,) = of_type(shipped_plan("prod"), "aws:kms/key:Key")
    assert prod_key["protect"] and prod_key["retainOnDelete"]
    assert prod_key["inputs"]["deletionWindowInDays"] == 30
    (dev_key,) = of_type(shipped_plan("dev"), "aws:kms/key:Key")
    assert not dev_key["protect"]
    assert dev_key["inputs"]["deletionWindowInDays"] == 7
