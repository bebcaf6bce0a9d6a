"""Monitoring: alerts, endpoint and cluster alarms, the dashboard, model data-quality checks.

Modules: `alerts` (the KMS-encrypted alert topic, its policy and subscriptions),
`endpoint_alarms` (per-endpoint alarms and their deterministic names), `cluster_alarms`,
`dashboard`, `model_monitoring` (data-quality jobs, schedules, their role and alert rules),
`model_quality` (model-quality jobs against ground truth, with their metric alarms),
`thresholds` (default alarm thresholds, plain data), `args` and `component`.

Names are loaded on first use (PEP 562): the config schema reads `thresholds` without
loading the Pulumi SDKs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "DEFAULT_THRESHOLDS": "thresholds",
    "BudgetArgs": "args",
    "DataQualityArgs": "args",
    "EndpointAlarmNames": "endpoint_alarms",
    "EndpointAlarmThresholds": "thresholds",
    "MODEL_MONITOR_ACCOUNTS": "model_monitoring",
    "ModelQualityArgs": "args",
    "MonitoredEndpointArgs": "args",
    "Monitoring": "component",
    "MonitoringArgs": "args",
    "alert_event_pattern": "model_monitoring",
    "dashboard_body": "dashboard",
    "endpoint_alarm_names": "endpoint_alarms",
    "model_monitor_image": "model_monitoring",
}

__all__ = [
    "DEFAULT_THRESHOLDS",
    "MODEL_MONITOR_ACCOUNTS",
    "BudgetArgs",
    "DataQualityArgs",
    "EndpointAlarmNames",
    "EndpointAlarmThresholds",
    "ModelQualityArgs",
    "MonitoredEndpointArgs",
    "Monitoring",
    "MonitoringArgs",
    "alert_event_pattern",
    "dashboard_body",
    "endpoint_alarm_names",
    "model_monitor_image",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from .args import (
        BudgetArgs,
        DataQualityArgs,
        ModelQualityArgs,
        MonitoredEndpointArgs,
        MonitoringArgs,
    )
    from .component import Monitoring
    from .dashboard import dashboard_body
    from .endpoint_alarms import EndpointAlarmNames, endpoint_alarm_names
    from .model_monitoring import (
        MODEL_MONITOR_ACCOUNTS,
        alert_event_pattern,
        model_monitor_image,
    )
    from .thresholds import DEFAULT_THRESHOLDS, EndpointAlarmThresholds
