"""`registry.models[].pipeline` / `.batch`: bad values are refused with their key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_stack_file
from infra.config.lifecycle import check_schedule_expression
from tests.helpers import BASE_STACK, write_stack

GROUP = {
    "name": "customer-profile",
    "recordIdentifier": "customer_id",
    "eventTime": "event_time",
    "features": [
        {"name": "customer_id", "type": "String"},
        {"name": "event_time", "type": "String"},
        {"name": "lifetime_value", "type": "Fractional"},
    ],
}
PIPELINE: dict[str, Any] = {
    "inputs": {"featureGroup": "customer-profile"},
    "framework": {"name": "xgboost", "version": "1.7-1"},
    "hyperparameters": {"max_depth": 5, "eta": 0.2},
    "metric": {"name": "validation:auc", "threshold": 0.8},
}


def _stack(pipeline: dict[str, Any], environment: str = "dev", **family: Any) -> dict[str, Any]:
    return {
        **BASE_STACK,
        "mlops-platform:environment": environment,
        "mlops-platform:monitoring": {"alertEmails": ["a@example.com"]},
        "mlops-platform:featureStore": {"featureGroups": [GROUP]},
        "mlops-platform:registry": {"models": [{"name": "fraud", "pipeline": pipeline, **family}]},
    }


def _with(path: str, value: Any) -> dict[str, Any]:
    pipeline = copy.deepcopy(PIPELINE)
    *parents, last = path.split(".")
    node = pipeline
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return pipeline


AT = "registry.models[0].pipeline"
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("unknown framework version", _with("framework.version", "9.9-9"), f"{AT}.framework.version",
     "no xgboost image '9.9-9' in the catalog"),
    ("unknown framework", _with("framework.name", "caffe"), f"{AT}.framework.name", "Input should"),
    ("unknown feature group", _with("inputs", {"featureGroup": "nope"}),
     f"{AT}.inputs.featureGroup", "'nope' is not a feature group with an offline store"),
    ("both inputs", _with("inputs", {"featureGroup": "customer-profile", "s3Prefix": "d/"}),
     f"{AT}.inputs.featureGroup", "exactly one of featureGroup and s3Prefix"),
    ("prefix escaping", _with("inputs", {"s3Prefix": "../x/"}), f"{AT}.inputs.s3Prefix",
     "String should match pattern"),
    ("training type not trainable", _with("trainingInstanceType", "ml.t2.medium"),
     f"{AT}.trainingInstanceType", "'ml.t2.medium' is not a priced training type"),
    ("processing type unknown", _with("processingInstanceType", "ml.z9.huge"),
     f"{AT}.processingInstanceType", "unknown SageMaker processing instance type"),
    ("bad cron", _with("schedule", {"expression": "cron(0 3 * * * *)"}),
     f"{AT}.schedule.expression", "exactly one of day-of-month and day-of-week must be '?'"),
    ("bad rate", _with("schedule", {"expression": "rate(1 days)"}), f"{AT}.schedule.expression",
     "use 'rate(1 day)'"),
    ("sklearn without regex", _with("framework", {"name": "sklearn", "version": "1.2-1"}),
     f"{AT}.metric.regex", "sklearn images emit no metrics"),
    ("regex without group", _with("metric.regex", "auc=[0-9.]+"), f"{AT}.metric.regex",
     "exactly one capture group"),
    ("drift on unknown feature",
     _with("driftTrigger", {"enabled": True, "features": ["nope"]}),
     f"{AT}.driftTrigger.features[0]", "'nope' is not a feature of customer-profile"),
    ("drift without monitored endpoint",
     _with("driftTrigger", {"enabled": True, "features": ["lifetime_value"]}),
     f"{AT}.driftTrigger.enabled", "no deployed endpoint of fraud captures data"),
    ("typo", _with("shedule", {}), f"{AT}.shedule", "unknown key"),
]  # fmt: skip


@pytest.mark.parametrize(("pipeline", "path", "problem"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])  # fmt: skip
def test_bad_pipeline_names_its_key_path(
    tmp_path: Path, pipeline: dict[str, Any], path: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, _stack(pipeline)))
    message = str(caught.value)
    assert caught.value.path == path, message
    assert problem in message
    assert "\n" not in message


def test_framework_refused_in_a_region_without_its_image(tmp_path: Path) -> None:
    # A region the price table knows but the framework version was never published to
    # would be refused the same way; every admitted version covers every catalog region.
    from components import catalog

    for name, versions in catalog.frameworks().items():
        for version in versions:
            for region in catalog.regions():
                assert catalog.framework_image(name, version, region, "training")


@pytest.mark.parametrize(
    ("environment", "expected"), [("dev", False), ("staging", True), ("prod", True)]
)
def test_schedule_defaults_follow_the_environment(
    tmp_path: Path, environment: str, expected: bool
) -> None:
    stack = _stack(PIPELINE, environment)
    if environment == "prod":
        stack["mlops-platform:network"] = {"azCount": 3, "natGateways": "perAz"}
    config = load_stack_file(write_stack(tmp_path, stack))
    pipeline = config.registry.models[0].pipeline
    assert pipeline is not None
    assert pipeline.schedule.enabled is expected
    # No feature to watch: the drift trigger stays off whatever the environment.
    assert pipeline.drift_trigger.enabled is False


def test_batch_prefixes_must_not_overlap(tmp_path: Path) -> None:
    batch = {"modelPackageVersion": 3, "inputPrefix": "batch/in/", "outputPrefix": "batch/in/out/"}
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, _stack(PIPELINE, batch=batch)))
    assert caught.value.path == "registry.models[0].batch.outputPrefix"


@pytest.mark.parametrize(
    "expression",
    ["cron(0 3 ? * SUN *)", "cron(15 2 1 * ? *)", "rate(1 day)", "rate(12 hours)"],
)
def test_scheduler_expressions_accepted(expression: str) -> None:
    assert check_schedule_expression(expression) == expression
