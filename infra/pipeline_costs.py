"""Cost of scheduled pipelines: runs per month of a schedule times the price of one run.

A run is priced from the pipeline's definition: every training, processing, quality-check
and transform step bills its instances for an assumed duration (`pipelineJobMinutes` in
`infra/data/prices.json`; real runs vary with the data), at the catalog's SageMaker price
for the region. Runs per month come from the schedule expression. A pipeline started by
hand (dev) or by drift has no schedule and is not in the estimate: its runs are usage.
"""

from __future__ import annotations

import json
import re
from typing import Any

from components import catalog

# Average month: 365.25 / 12 days, 52.18 / 12 weeks.
DAYS_PER_MONTH = 30.44
WEEKS_PER_MONTH = 4.35
HOURS_PER_MONTH = 730.0
_RATE = re.compile(r"^rate\((\d+) (minute|hour|day)s?\)$")
_CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")
_UNIT_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}
# Instance type and count of each step kind, as (arguments path to the cluster, type key,
# count key); quality checks are processing jobs.
_RESOURCES = {
    "Training": ("ResourceConfig", "InstanceType", "InstanceCount"),
    "Processing": ("ProcessingResources.ClusterConfig", "InstanceType", "InstanceCount"),
    "QualityCheck": ("ProcessingResources.ClusterConfig", "InstanceType", "InstanceCount"),
    "Transform": ("TransformResources", "InstanceType", "InstanceCount"),
}


def _count(field: str, full: int) -> float:
    """How many values a cron field takes: '*', '*/k', 'a,b', 'a-b' or one value."""
    if field in ("*", "?"):
        return float(full)
    if field.startswith("*/"):
        return full / int(field[2:])
    total = 0.0
    for part in field.split(","):
        low, _, high = part.partition("-")
        if high and low.isdigit() and high.isdigit():
            total += int(high) - int(low) + 1
        elif high:  # a day-name range such as MON-FRI
            days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            total += days.index(high[:3].upper()) - days.index(low[:3].upper()) + 1
        else:
            total += 1
    return total


def runs_per_month(expression: str) -> float:
    """Average runs per month of an EventBridge Scheduler cron() or rate() expression."""
    rate = _RATE.match(expression)
    if rate:
        return HOURS_PER_MONTH / (int(rate.group(1)) * _UNIT_HOURS[rate.group(2)])
    cron = _CRON.match(expression)
    if cron is None:
        raise ValueError(f"not a schedule expression: {expression}")
    minute, hour, day_of_month, month, day_of_week, _ = cron.groups()
    per_day = _count(minute, 60) * _count(hour, 24)
    if day_of_month == "?":
        days = _count(day_of_week, 7) * WEEKS_PER_MONTH
    else:
        days = DAYS_PER_MONTH if day_of_month == "*" else _count(day_of_month, 31)
    return per_day * days * _count(month, 12) / 12


def _dig(arguments: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = arguments
    for key in path.split("."):
        node = node.get(key) or {}
    return node if isinstance(node, dict) else {}


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for step in steps:
        found.append(step)
        for branch in ("IfSteps", "ElseSteps"):
            found += _steps(step.get("Arguments", {}).get(branch, []))
    return found


def run_usd(definition: dict[str, Any], region: str, minutes: float) -> tuple[float, list[str]]:
    """USD of one run and its instances ('2 x ml.m5.xlarge'); raises ValueError if unpriced."""
    usd, used = 0.0, []
    for step in _steps(definition.get("Steps", [])):
        shape = _RESOURCES.get(step["Type"])
        if shape is None:
            continue
        cluster = _dig(step["Arguments"], shape[0])
        instance, count = str(cluster.get(shape[1])), int(cluster.get(shape[2]) or 1)
        service = "sagemaker-transform" if step["Type"] == "Transform" else "sagemaker-processing"
        rate = catalog.hourly_price(instance, region, service)
        if rate is None:
            raise ValueError(f"{instance} has no {service} price for {region}")
        usd += rate * count * minutes / 60
        used.append(f"{count} x {instance}")
    return usd, used


def schedule_estimate(schedule: dict[str, Any], resources: list[dict[str, Any]], region: str,
                      minutes: float) -> tuple[float, str] | None:  # fmt: skip
    """Monthly USD of a schedule that starts a pipeline of the plan, with its basis."""
    target = schedule["inputs"].get("target") or {}
    if not str(target.get("arn", "")).endswith(":sagemaker:startPipelineExecution"):
        return None
    name = json.loads(target.get("input") or "{}").get("PipelineName")
    pipeline = next(
        (r for r in resources if r["type"] == "aws:sagemaker/pipeline:Pipeline"
         and r["inputs"].get("pipelineName") == name),
        None,
    )  # fmt: skip
    if pipeline is None:
        return None
    runs = runs_per_month(str(schedule["inputs"]["scheduleExpression"]))
    per_run, used = run_usd(json.loads(pipeline["inputs"]["pipelineDefinition"]), region, minutes)
    return runs * per_run, (
        f"{runs:.2f} runs/month x {per_run:.2f} USD/run ({len(used)} jobs of {minutes:g} min "
        f"assumed each: {', '.join(used)}) in {region}"
    )
