"""`plan --base`: a change that would replace a deployed feature group is refused with one
line naming the stack-file key; additions and other changes plan as usual."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.cli import main
from infra.plan import Plan

PROD = Path("stacks/Pulumi.prod.yaml")
MIGRATION = 'README "Feature-group migration"'
REPLACES = (
    f"SageMaker replaces the group and deletes its records; add a new group instead ({MIGRATION})"
)
NEW_GROUP = """      - name: churn-signals
        description: Weekly churn signals
        recordIdentifier: customer_id
        eventTime: event_time
        features:
          - {name: customer_id, type: String}
          - {name: event_time, type: String}
          - {name: churn_score, type: Fractional}
"""


@pytest.fixture
def base(tmp_path: Path, shipped_plan: Callable[[str], Plan]) -> Path:
    """The deployed branch's prod plan, as `plan prod --json` writes it."""
    path = tmp_path / "base.json"
    path.write_text(json.dumps(shipped_plan("prod").document()), encoding="utf-8")
    return path


def _plan_edited(tmp_path: Path, base: Path, old: str, new: str) -> tuple[Path, int]:
    head = tmp_path / "Pulumi.prod.yaml"
    text = PROD.read_text(encoding="utf-8")
    assert old in text
    head.write_text(text.replace(old, new, 1), encoding="utf-8")
    return head, main(["plan", "prod", "--config", str(head), "--base", str(base), "--quiet"])


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "          - {name: home_country, type: String}\n",
            "          - {name: home_country, type: String}\n"
            "          - {name: loyalty_tier, type: String}\n",
            "featureStore.featureGroups[0].features: changes featureDefinitions of deployed "
            "feature group 'customer-profile'",
        ),
        (
            "recordIdentifier: customer_id\n        eventTime: event_time\n        onlineStore: "
            "{enabled: true, ttlDays: 30}",
            "recordIdentifier: home_country\n        eventTime: event_time\n        "
            "onlineStore: {enabled: true, ttlDays: 30}",
            "featureStore.featureGroups[0].recordIdentifier: changes recordIdentifierFeatureName "
            "of deployed feature group 'customer-profile'",
        ),
    ],
    ids=["add-feature", "record-identifier"],
)
def test_schema_change_of_a_deployed_group_is_refused(
    tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str], old: str, new: str,
    expected: str,
) -> None:  # fmt: skip
    head, code = _plan_edited(tmp_path, base, old, new)
    assert code == 2
    assert capsys.readouterr().err == (f"error: {head}: {expected}: {REPLACES}\n")


def test_a_new_group_is_not_a_schema_change(
    tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    groups = "    featureGroups:\n"
    _, code = _plan_edited(tmp_path, base, groups, groups + NEW_GROUP)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "error:" not in err


def test_unreadable_base_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "base.json"
    assert main(["plan", "dev", "--base", str(missing), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"error: {missing}: cannot read the base plan: file not found\n"
    )


def test_readme_documents_the_migration() -> None:
    readme = Path("README.md").read_text(encoding="utf-8")
    assert "### Feature-group migration" in readme
    section = readme.split("### Feature-group migration", 1)[1].split("\n## ", 1)[0]
    assert "--base" in section and "v2" in section
