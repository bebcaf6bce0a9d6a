"""`mlops-platform:monitoring` — alerts, dashboards, model-quality checks, log retention."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from components import catalog

from .base import SECRET_PLACEHOLDER, ConfigModel, rule_error
from .catalog_checks import check_instance_type

if TYPE_CHECKING:
    from .serving import Endpoint

# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Deliberately plain: one '@', a dotted domain, no spaces. SNS sends a confirmation mail,
# so anything stricter buys nothing.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Model Monitor accepts cron(...) at hourly or daily granularity, or `NOW` for a one-off.
_SCHEDULE = re.compile(r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$")


def _no_repeats(values: list[str], what: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value == SECRET_PLACEHOLDER:
            continue  # encrypted values cannot be compared offline
        if value.lower() in seen:
            raise rule_error(
                f"[{index}]", f"duplicate {what} '{value}' (already at [{seen[value.lower()]}])"
            )
        seen[value.lower()] = index


class DataQuality(ConfigModel):
    """Model Monitor data-quality jobs over each endpoint's captured requests."""

    schedule: str = Field(
        default="cron(0 * ? * * *)", description="Schedule expression (hourly by default)."
    )
    instance_type: str = Field(
        default=catalog.MONITORING_JOB_INSTANCE_TYPE, description="Processing instance type."
    )
    max_runtime_minutes: int = Field(
        default=55, ge=1, le=60, description="Stop a run after this long (hourly: < 60)."
    )
    baseline: bool = Field(
        default=True,
        description="Check every deployed endpoint with data capture against the baseline of "
        "the model version it serves: {statistics,constraints}.json under "
        "baselines/<model>/<modelPackageVersion>/ in the artifact bucket (or "
        "models/<model>/<version>/baseline/ next to a modelDataUrl artifact). false: no "
        "data-quality schedules (a schedule without a baseline checks nothing).",
    )
    copy_registered_baselines: bool = Field(
        default=True,
        description="When a model version of a family that an endpoint of the stack serves "
        "with data capture turns Approved, copy the drift-check baseline it was registered "
        "with (DriftCheckBaselines.ModelDataQuality) to baselines/<model>/<version>/ "
        "(a Step Functions state machine started by EventBridge; failures alarm). false: "
        "put each version's baseline there yourself before pinning it.",
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str) -> str:
        if not _SCHEDULE.match(schedule):
            raise ValueError(
                f"'{schedule}' is not a Model Monitor schedule (use cron(m h d M w y), "
                "for example cron(0 * ? * * *))"
            )
        return schedule

    @field_validator("instance_type")
    @classmethod
    def _instance(cls, instance_type: str) -> str:
        # Model Monitor runs its data-quality jobs as SageMaker processing jobs.
        check_instance_type(instance_type, "sagemaker-processing")
        return instance_type


# Metrics Model Monitor computes per problem type, and whether a higher value is worse
# (error metrics) or better (everything else). SageMaker "Model quality metrics and
# Amazon CloudWatch monitoring".
MODEL_QUALITY_METRICS: dict[str, dict[str, bool]] = {
    "Regression": {"mae": True, "mse": True, "rmse": True, "r2": False},
    "BinaryClassification": {
        **dict.fromkeys(
            ("accuracy", "precision", "recall", "f0_5", "f1", "f2", "auc", "au_prc"), False
        ),
        "false_positive_rate": True,
        "false_negative_rate": True,
    },
    "MulticlassClassification": dict.fromkeys(
        ("accuracy", "weighted_precision", "weighted_recall", "weighted_f0_5", "weighted_f1",
         "weighted_f2"),
        False,
    ),
}  # fmt: skip
_DEFAULT_METRIC = {"Regression": "rmse", "BinaryClassification": "f1",
                   "MulticlassClassification": "weighted_f1"}  # fmt: skip
# An S3 key prefix in the artifact bucket: no leading '/', ends with '/'.
_KEY_PREFIX = re.compile(r"^(?:[A-Za-z0-9!_.*'()-]+/)+$")


class GroundTruth(ConfigModel):
    """Model-quality monitoring: captured predictions merged with ground-truth labels."""

    labels_prefix: str = Field(
        description="Key prefix in the artifact bucket where the labels are uploaded "
        "(ground-truth/<endpoint>/ by convention), as Model Monitor expects them."
    )
    problem_type: Literal["BinaryClassification", "MulticlassClassification", "Regression"] = Field(
        description="Machine-learning problem type of the model."
    )
    inference_attribute: str = Field(
        min_length=1, max_length=256, description="Prediction field of the captured output."
    )
    probability_attribute: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Binary classification: probability field of the captured output.",
    )
    probability_threshold: float | None = Field(
        default=None, gt=0, lt=1, description="Binary classification: positive class cutoff."
    )
    metric: str | None = Field(
        default=None,
        description="Metric the alarm watches (default: f1, weighted_f1 or rmse).",
    )
    threshold: float = Field(description="Alarm when the metric crosses this value.")
    schedule: str = Field(
        default="cron(0 0 ? * * *)", description="Schedule expression (daily by default)."
    )

    @field_validator("labels_prefix")
    @classmethod
    def _prefix(cls, prefix: str) -> str:
        if not _KEY_PREFIX.match(prefix):
            raise ValueError(f"'{prefix}' is not a key prefix such as ground-truth/fraud/")
        return prefix

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str) -> str:
        return DataQuality._cron(schedule)

    @model_validator(mode="after")
    def _metric_of_problem(self) -> GroundTruth:
        metrics = MODEL_QUALITY_METRICS[self.problem_type]
        if self.metric is None:
            self.metric = _DEFAULT_METRIC[self.problem_type]
        if self.metric not in metrics:
            raise rule_error(
                "metric",
                f"'{self.metric}' is not a {self.problem_type} metric "
                f"(one of: {', '.join(metrics)})",
            )
        binary = self.problem_type == "BinaryClassification"
        for key in ("probability_attribute", "probability_threshold"):
            if getattr(self, key) is not None and not binary:
                raise rule_error(
                    "probabilityAttribute" if key == "probability_attribute"
                    else "probabilityThreshold",
                    "applies to BinaryClassification only",
                )  # fmt: skip
        return self

    @property
    def higher_is_worse(self) -> bool:
        return MODEL_QUALITY_METRICS[self.problem_type][str(self.metric)]


class ClusterAlarms(ConfigModel):
    """Alarms on the training cluster from Container Insights metrics."""

    enabled: bool = Field(
        default=True,
        description="Install the CloudWatch observability add-on and alarm on the cluster.",
    )
    max_pending_pods: int = Field(
        default=5,
        ge=0,
        le=100_000,
        description="Pods pending (for example unschedulable GPU pods).",
    )
    pending_minutes: int = Field(
        default=15, ge=1, le=1440, description="Minutes pods may stay pending before alarming."
    )


class Budget(ConfigModel):
    """The stack's monthly AWS Budget, alerting on the alert topic."""

    monthly_limit_usd: float = Field(
        gt=0,
        le=10_000_000,
        description="Monthly limit in USD: `mlops-platform plan`'s estimate plus headroom.",
    )
    forecast_percent: float = Field(
        default=100, gt=0, le=1000, description="Alert when the forecast passes this % of it."
    )
    actual_percent: float = Field(
        default=80, gt=0, le=1000, description="Alert when actual spend passes this % of it."
    )


class MonitoringConfig(ConfigModel):
    """Alerting, dashboards, model-quality monitoring and logging."""

    alert_emails: list[str] = Field(default_factory=list, description="Alert e-mail recipients.")
    alert_https_endpoints: list[str] = Field(
        default_factory=list, description="HTTPS webhooks subscribed to alerts."
    )
    log_retention_days: int | None = Field(
        default=None,
        description="CloudWatch log retention. Default: 14 dev, 90 staging, 365 prod.",
    )
    data_quality: DataQuality = Field(
        default_factory=DataQuality, description="Data-quality monitoring of captured data."
    )
    cluster: ClusterAlarms = Field(
        default_factory=ClusterAlarms, description="Training-cluster alarms."
    )
    budget: Budget | None = Field(
        default=None,
        description="Monthly cost budget of the stack's tagged resources; none when unset.",
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

    @field_validator("alert_emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        for index, email in enumerate(emails):
            if email != SECRET_PLACEHOLDER and not _EMAIL.match(email):
                raise rule_error(f"[{index}]", f"'{email}' is not an e-mail address")
        _no_repeats(emails, "e-mail address")
        return emails

    @field_validator("alert_https_endpoints")
    @classmethod
    def _https(cls, urls: list[str]) -> list[str]:
        for index, url in enumerate(urls):
            if url == SECRET_PLACEHOLDER:
                continue
            parts = urlsplit(url)
            if parts.scheme != "https":
                raise rule_error(
                    f"[{index}]", f"'{url}' must be an https:// URL (alerts leave the VPC)"
                )
            if not parts.hostname or "." not in parts.hostname or " " in url:
                raise rule_error(f"[{index}]", f"'{url}' has no valid host name")
        _no_repeats(urls, "endpoint")
        return urls


def baseline_prefix(endpoint: Endpoint) -> str | None:
    """Key prefix, in the artifact bucket, of the data-quality baseline of the model version
    the endpoint serves; None for an endpoint without a version.

    A model package version's baseline is its registered drift-check baseline copied to
    `baselines/<model>/<version>/`; an artifact's sits next to it, under its version
    prefix. Either way a new version brings its own baseline.
    """
    from .serving import MODEL_DATA_URL

    if endpoint.model_package_version is not None:
        return f"baselines/{endpoint.model}/{endpoint.model_package_version}/"
    if endpoint.model_data_url is not None:
        match = MODEL_DATA_URL.match(endpoint.model_data_url)
        if match is not None:
            return f"models/{match['family']}/{match['version']}/baseline/"
    return None


def monitored_endpoints(config: MonitoringConfig, endpoints: list[Endpoint]) -> list[Endpoint]:
    """The endpoints whose captured data a data-quality schedule checks."""
    if not config.data_quality.baseline:
        return []
    return [e for e in endpoints if e.data_capture_percent > 0 and baseline_prefix(e) is not None]


def baseline_copy_families(config: MonitoringConfig, endpoints: list[Endpoint]) -> list[str]:
    """Model families whose Approved versions get their registered baseline copied: those
    an endpoint (deployed or still pending) serves from the registry with data capture."""
    if not (config.data_quality.baseline and config.data_quality.copy_registered_baselines):
        return []
    families: list[str] = []
    for endpoint in endpoints:
        registry = endpoint.model_data_url is None
        if registry and endpoint.data_capture_percent > 0 and endpoint.model not in families:
            families.append(endpoint.model)
    return families
