"""`plan` shows each model family's lifecycle loop and a Mermaid diagram of the wiring."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.plan_loop import LOOP_PARTS, families, loop_chain, loop_lines, mermaid


def _doc(plan: Any) -> dict[str, Any]:
    return plan.document()


def test_prod_loop_shows_approval_endpoint_and_monitors(shipped_plan: Any) -> None:
    doc = _doc(shipped_plan("prod"))
    assert set(families(doc)) == {"fraud-detector", "churn-predictor", "merchant-risk"}
    chain = loop_chain(doc, "fraud-detector", "mlops-prod-fraud-detector")
    assert chain["approval rule"] == ["mlops-prod-approved-fraud-detector"]
    # The baseline copy acts on the same approvals, apart from the promotion rule.
    assert chain["baseline copy"] == ["mlops-prod-baseline-copy"]
    assert chain["endpoint"] == ["mlops-prod-fraud v12"]
    assert sorted(chain["monitors"]) == [
        "DataQuality (mlops-prod-fraud-data-quality)",
        "ModelQuality (mlops-prod-fraud-model-quality)",
    ]
    (line,) = [x for x in loop_lines(doc) if x.startswith("fraud-detector:")]
    assert [p.split(":")[0] for p in line.removeprefix("fraud-detector: ").split(" -> ")] == list(
        LOOP_PARTS
    )


def test_dev_shows_what_is_absent(shipped_plan: Any) -> None:
    (line,) = loop_lines(_doc(shipped_plan("dev")))
    # Dev's pipeline is started by hand: no schedule, no drift trigger; its endpoint
    # captures no data, so no baseline is copied.
    assert line == (
        "fraud-detector: pipeline: mlops-dev-fraud-detector-retrain -> schedule: absent -> "
        "drift trigger: absent -> approval rule: absent -> baseline copy: absent -> "
        "endpoint: absent -> monitors: absent"
    )


def test_pipelines_schedules_and_drift_rules_are_found_by_type_and_name(
    shipped_plan: Any,
) -> None:
    """The retraining resources another part of the program adds show up in the loop."""
    doc = copy.deepcopy(_doc(shipped_plan("staging")))
    # Start from a plan without the shipped lifecycle resources.
    doc["resources"] = [r for r in doc["resources"] if "lifecycle" not in r["urn"]]

    def add(type_token: str, name: str, inputs: dict[str, Any]) -> None:
        urn = f"urn:pulumi:staging::mlops-platform::{type_token}::{name}"
        doc["resources"].append(
            {"urn": urn, "type": type_token, "name": name, "parent": None, "custom": True,
             "protect": False, "retainOnDelete": False, "dependsOn": [], "inputs": inputs}
        )  # fmt: skip

    add("aws:sagemaker/pipeline:Pipeline", "lifecycle-fraud-detector-pipeline",
        {"pipelineName": "mlops-staging-fraud-detector-retrain"})  # fmt: skip
    add("aws:scheduler/schedule:Schedule", "lifecycle-fraud-detector-schedule",
        {"name": "mlops-staging-fraud-detector-retrain"})  # fmt: skip
    alarm_pattern = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
    drift = {
        "name": "mlops-staging-fraud-detector-drift",
        "eventPattern": json.dumps(alarm_pattern),
    }
    add("aws:cloudwatch/eventRule:EventRule", "lifecycle-fraud-detector-drift", drift)
    chain = loop_chain(doc, "fraud-detector", "mlops-staging-fraud-detector")
    assert chain["pipeline"] == ["mlops-staging-fraud-detector-retrain"]
    assert chain["schedule"] == ["mlops-staging-fraud-detector-retrain"]
    assert chain["drift trigger"] == ["mlops-staging-fraud-detector-drift"]
    # The other family's loop does not pick them up.
    other = loop_chain(doc, "churn-predictor", "mlops-staging-churn-predictor")
    assert other["pipeline"] == other["schedule"] == other["drift trigger"] == []


def test_mermaid_defines_every_node_it_wires(shipped_plan: Any) -> None:
    text = mermaid(_doc(shipped_plan("prod")))
    assert text.startswith("flowchart LR\n")
    defined = set(re.findall(r"^\s+(\w+)\[", text, re.M))
    used = set()
    for a, b in re.findall(r"^\s+(\w+) -->(?:\|[^|]*\|)? (\w+)$", text, re.M):
        used |= {a, b}
    assert used and used <= defined
    assert "model_registry --> promotion" in text
    assert "fraud_detector_approval_rule -->|promote PR| fraud_detector_endpoint" in text
    assert "fraud_detector_baseline_copy -->|baseline| fraud_detector_monitors" in text
    assert "class merchant_risk_pipeline absent" in text


@pytest.mark.parametrize("quiet", [["--quiet"], []])
def test_plan_prints_the_loop_and_writes_the_diagram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet: list[str]
) -> None:
    diagram = tmp_path / "prod.mmd"
    assert main(["plan", "prod", *quiet, "--mermaid", str(diagram)]) == 0
    out = capsys.readouterr().out
    assert "lifecycle loop" in out
    assert "approval rule: mlops-prod-approved-fraud-detector" in out
    assert diagram.read_text(encoding="utf-8").startswith("flowchart LR")
