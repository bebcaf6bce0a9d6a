"""Bad feature groups are refused with one line naming the key path and the problem."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.config import ConfigError, load_stack_file
from infra.plan import build_plan
from tests.helpers import BASE_STACK, write_stack

GROUPS = "featureStore.featureGroups"


def _group(**overrides: Any) -> dict[str, Any]:
    group: dict[str, Any] = {
        "name": "customer-profile",
        "recordIdentifier": "customer_id",
        "eventTime": "event_time",
        "onlineStore": {"enabled": True, "ttlDays": 30},
        "features": [
            {"name": "customer_id", "type": "String"},
            {"name": "event_time", "type": "String"},
            {"name": "lifetime_value", "type": "Fractional"},
        ],
    }
    group.update(overrides)
    return group


def _features(*extra: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"name": "customer_id", "type": "String"},
        {"name": "event_time", "type": "String"},
        *extra,
    ]


def _stack(*groups: dict[str, Any]) -> dict[str, Any]:
    return {**BASE_STACK, "mlops-platform:featureStore": {"featureGroups": list(groups)}}


BAD_GROUPS: list[tuple[str, list[dict[str, Any]], str, str]] = [
    (
        "record id not a feature",
        [_group(recordIdentifier="client_id")],
        f"{GROUPS}[0].recordIdentifier",
        "'client_id' is not among the features (customer_id, event_time, lifetime_value)",
    ),
    (
        "event time not a feature",
        [_group(eventTime="ts")],
        f"{GROUPS}[0].eventTime",
        "'ts' is not among the features",
    ),
    (
        "event time of integral type",
        [_group(features=_features({"name": "updated", "type": "Integral"}), eventTime="updated")],
        f"{GROUPS}[0].eventTime",
        "must be String (ISO-8601) or Fractional (Unix seconds)",
    ),
    (
        "event time is the record id",
        [_group(eventTime="customer_id")],
        f"{GROUPS}[0].eventTime",
        "must be a different feature than recordIdentifier",
    ),
    (
        "unknown feature type",
        [_group(features=_features({"name": "score", "type": "Double"}))],
        f"{GROUPS}[0].features[2].type",
        "Input should be 'String', 'Integral' or 'Fractional'",
    ),
    (
        "duplicate feature name",
        [_group(features=_features({"name": "customer_id", "type": "Integral"}))],
        f"{GROUPS}[0].features[2].name",
        "duplicate feature name 'customer_id' (already used by features[0]",
    ),
    (
        "duplicate feature name in another case",
        [_group(features=_features({"name": "Event_Time", "type": "String"}))],
        f"{GROUPS}[0].features[2].name",
        "names are case-insensitive",
    ),
    (
        "feature name with a space",
        [_group(features=_features({"name": "order count", "type": "Integral"}))],
        f"{GROUPS}[0].features[2].name",
        "feature name 'order count' is refused by SageMaker",
    ),
    (
        "feature name starting with underscore",
        [_group(features=_features({"name": "_internal", "type": "Integral"}))],
        f"{GROUPS}[0].features[2].name",
        "is refused by SageMaker: start with a letter or digit",
    ),
    (
        "feature name too long",
        [_group(features=_features({"name": "f" * 65, "type": "Integral"}))],
        f"{GROUPS}[0].features[2].name",
        "longer than 64 characters",
    ),
    (
        "reserved offline-store column",
        [_group(features=_features({"name": "write_time", "type": "String"}))],
        f"{GROUPS}[0].features[2].name",
        "feature name 'write_time' is reserved by the offline store",
    ),
    (
        "ttl of zero days",
        [_group(onlineStore={"ttlDays": 0})],
        f"{GROUPS}[0].onlineStore.ttlDays",
        "greater than or equal to 1",
    ),
    (
        "ttl beyond ten years",
        [_group(onlineStore={"ttlDays": 5000})],
        f"{GROUPS}[0].onlineStore.ttlDays",
        "less than or equal to 3650",
    ),
    (
        "ttl without an online store",
        [_group(onlineStore={"enabled": False, "ttlDays": 7})],
        f"{GROUPS}[0].onlineStore.ttlDays",
        "is set but the online store is disabled",
    ),
    (
        "no store at all",
        [_group(onlineStore={"enabled": False}, offlineStore={"enabled": False})],
        f"{GROUPS}[0].offlineStore.enabled",
        "needs an online or an offline store",
    ),
    (
        "duplicate group name",
        [_group(), _group(name="orders"), _group()],
        f"{GROUPS}[2].name",
        "duplicate name 'customer-profile' (already used by featureGroups[0])",
    ),
    (
        "group name SageMaker and S3 would refuse",
        [_group(name="Customer_Profile")],
        f"{GROUPS}[0].name",
        "String should match pattern",
    ),
    (
        "only one feature",
        [_group(features=[{"name": "customer_id", "type": "String"}])],
        f"{GROUPS}[0].features",
        "at least 2 items",
    ),
    (
        "unknown table format",
        [_group(offlineStore={"tableFormat": "Delta"})],
        f"{GROUPS}[0].offlineStore.tableFormat",
        "Input should be 'Glue' or 'Iceberg'",
    ),
    (
        "typo in a key",
        [_group(onlineStore={"ttl": 3})],
        f"{GROUPS}[0].onlineStore.ttl",
        "unknown key",
    ),
    (
        "description longer than SageMaker allows",
        [_group(description="x" * 129)],
        f"{GROUPS}[0].description",
        "at most 128 characters",
    ),
]


@pytest.mark.parametrize(
    ("groups", "path", "problem"),
    [case[1:] for case in BAD_GROUPS],
    ids=[case[0] for case in BAD_GROUPS],
)
def test_bad_feature_group_names_its_key_path(
    tmp_path: Path, groups: list[dict[str, Any]], path: str, problem: str
) -> None:
    stack_file = write_stack(tmp_path, _stack(*groups))
    with pytest.raises(ConfigError) as caught:
        load_stack_file(stack_file)
    message = str(caught.value)
    assert caught.value.path == path, message
    assert problem in message
    assert f": {path}: " in message
    assert "\n" not in message


def test_good_groups_validate(tmp_path: Path) -> None:
    config = load_stack_file(
        write_stack(
            tmp_path,
            _stack(
                _group(),
                _group(
                    name="transactions",
                    recordIdentifier="txn-id",
                    eventTime="ts",
                    onlineStore={"enabled": False},
                    offlineStore={"tableFormat": "Iceberg"},
                    features=[
                        {"name": "txn-id", "type": "Integral"},
                        {"name": "ts", "type": "Fractional"},
                        {"name": "Amount_EUR", "type": "Fractional"},
                    ],
                ),
            ),
        )
    )
    groups = config.feature_store.feature_groups
    assert [g.name for g in groups] == ["customer-profile", "transactions"]
    assert groups[0].online_store.ttl_days == 30
    assert groups[1].offline_store.table_format == "Iceberg"
    assert groups[1].online_store.enabled is False


def test_plan_refuses_before_registering_anything(tmp_path: Path) -> None:
    bad = _stack(_group(recordIdentifier="nope"))
    with pytest.raises(ConfigError, match=rf"{GROUPS}\[0\]\.recordIdentifier"):
        build_plan("bad", write_stack(tmp_path, bad))


def test_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = copy.deepcopy(
        _stack(_group(features=_features({"name": "is_deleted", "type": "String"})))
    )
    path = write_stack(tmp_path, bad)
    assert main(["plan", "bad", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"{GROUPS}[0].features[2].name" in err
    assert "reserved by the offline store" in err
    assert "Traceback" not in err
