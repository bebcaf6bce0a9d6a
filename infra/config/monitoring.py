"""`mlops-platform:monitoring` — alerts, dashboards, log retention."""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import ConfigModel

# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
DEFAULT_LOG_RETENTION_DAYS = {"dev": 14, "staging": 90, "prod": 365}


class MonitoringConfig(ConfigModel):
    """Alerting and logging."""

    alert_emails: list[str] = Field(default_factory=list, description="Alert e-mail recipients.")
    alert_https_endpoints: list[str] = Field(
        default_factory=list, description="HTTPS webhooks subscribed to alerts."
    )
    log_retention_days: int | None = Field(
        default=None,
        description="CloudWatch log retention. Default: 14 dev, 90 staging, 365 prod.",
    )

    @field_validator("log_retention_days")
    @classmethod
    def _allowed_retention(cls, days: int | None) -> int | None:
        if days is not None and days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{days} is not a CloudWatch retention period "
                f"(allowed: {', '.join(map(str, LOG_RETENTION_DAYS))})"
            )
        return days
