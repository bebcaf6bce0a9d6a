"""Default alarm thresholds of an endpoint: plain data, readable without the Pulumi SDKs.

The config schema takes its defaults from here, so the component and the stack file
cannot disagree on what an unconfigured endpoint alarms at.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EndpointAlarmThresholds:
    """When an endpoint's alarms fire (and roll a deployment back).

    Args:
        max_5xx_errors: 5xx responses per minute that raise the alarm.
        latency_p99_ms: p99 model latency ceiling in milliseconds.
        max_invocation_errors: Failed invocations per minute that raise the alarm.
        evaluation_minutes: Consecutive breaching minutes before alarming.
    """

    max_5xx_errors: int = 5
    latency_p99_ms: int = 1000
    max_invocation_errors: int = 10
    evaluation_minutes: int = 3


DEFAULT_THRESHOLDS = EndpointAlarmThresholds()
