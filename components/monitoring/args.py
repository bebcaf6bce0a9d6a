"""Inputs of Monitoring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi

from components import catalog

from .thresholds import EndpointAlarmThresholds


@dataclass(frozen=True)
class ModelQualityArgs:
    """Model-quality monitoring of one endpoint: captured predictions against labels.

    Args:
        labels_prefix: Key prefix in the artifact bucket holding the ground-truth labels.
        problem_type: BinaryClassification, MulticlassClassification or Regression.
        inference_attribute: Prediction field of the captured output.
        metric: Model-quality metric the alarm watches (as Model Monitor names it).
        threshold: Alarm when the metric crosses this value.
        higher_is_worse: An error metric (alarm above the threshold) or a score (below).
        schedule: Cron expression of the schedule.
        probability_attribute: Binary classification: probability field of the output.
        probability_threshold: Binary classification: positive class cutoff.
    """

    labels_prefix: str
    problem_type: str
    inference_attribute: str
    metric: str
    threshold: float
    higher_is_worse: bool
    schedule: str = "cron(0 0 ? * * *)"
    probability_attribute: str | None = None
    probability_threshold: float | None = None


@dataclass
class MonitoredEndpointArgs:
    """One endpoint to watch.

    Args:
        endpoint_name: Physical endpoint name (the plain string alarm names derive from).
        endpoint: The endpoint's name as an Output of the endpoint, so alarms and the data
            quality job are created after it.
        variant_name: Production variant the metrics are reported for.
        thresholds: When its alarms fire.
        data_capture_uri: Where its captured requests land; None: no data-quality job.
        baseline_prefix: Key prefix in the artifact bucket holding the served model
            version's `statistics.json` and `constraints.json` (for example
            `baselines/<family>/<version>/`); None: no data-quality job, since a job
            without a baseline checks nothing.
        key: Short stable key of the endpoint in logical names (default: endpoint_name).
        model_quality: Ground truth to check its predictions against; None: no
            model-quality job.
    """

    endpoint_name: str
    endpoint: pulumi.Input[str]
    variant_name: str = "AllTraffic"
    thresholds: EndpointAlarmThresholds = field(default_factory=EndpointAlarmThresholds)
    data_capture_uri: pulumi.Input[str] | None = None
    baseline_prefix: str | None = None
    key: str | None = None
    model_quality: ModelQualityArgs | None = None

    @property
    def logical_key(self) -> str:
        return self.key or self.endpoint_name

    @property
    def checks_data_quality(self) -> bool:
        """Captures requests and has a baseline to compare them with."""
        return self.data_capture_uri is not None and self.baseline_prefix is not None

    @property
    def checks_model_quality(self) -> bool:
        """Captures requests and has ground truth to compare its predictions with."""
        return self.data_capture_uri is not None and self.model_quality is not None

    @property
    def is_model_monitored(self) -> bool:
        return self.checks_data_quality or self.checks_model_quality


@dataclass
class DataQualityArgs:
    """Model Monitor data-quality jobs.

    Args:
        schedule: Cron expression of the schedule.
        instance_type: Processing instance type.
        max_runtime_seconds: Stop a run after this long.
    """

    schedule: str = "cron(0 * ? * * *)"
    instance_type: str = catalog.MONITORING_JOB_INSTANCE_TYPE
    max_runtime_seconds: int = 3300


@dataclass(frozen=True)
class BudgetArgs:
    """A monthly cost budget for the stack's resources.

    Args:
        monthly_limit_usd: Monthly limit in USD (set it from `mlops-platform plan`'s
            estimate plus the usage the estimate leaves out).
        forecast_percent: Alert when the month's forecast passes this share of the limit.
        actual_percent: Alert when the month's actual spend passes this share of the limit.
    The budget counts the costs of resources tagged with this stack (the platform's stack
    tag, which every resource carries): activate that tag as a cost allocation tag in
    Billing once per account, or the budget sees no cost.
    """

    monthly_limit_usd: float
    forecast_percent: float = 100.0
    actual_percent: float = 80.0


@dataclass
class MonitoringArgs:
    """Inputs of Monitoring.

    Args:
        kms_key_arn: Key encrypting the alert topic and the monitoring jobs' data.
        dashboard_name: Physical name of the environment's dashboard.
        endpoints: Endpoints to alarm on and chart.
        alert_emails: E-mail subscribers of the alert topic.
        alert_https_endpoints: HTTPS webhooks subscribed to the alert topic (pass secrets as
            `Output.secret`: they stay encrypted in state).
        artifact_bucket_name: Bucket with captured data, baselines and monitoring reports.
        artifact_bucket_arn: ARN of that bucket.
        vpc_id: VPC the monitoring jobs run in.
        subnet_ids: Private subnets of the monitoring jobs.
        data_quality: Settings of the data-quality jobs.
        cluster_name: EKS training cluster to alarm on and chart; None: no cluster alarms.
            Its Container Insights metrics come from the cluster's CloudWatch
            observability add-on (a TrainingCluster add-on).
        max_pending_pods: Pending pods (for example unschedulable GPU pods) that alarm.
        pending_minutes: Minutes pods may stay pending before alarming.
        budget: The stack's monthly cost budget alerting on the topic; None: no budget.
    """

    kms_key_arn: pulumi.Input[str]
    dashboard_name: str
    endpoints: Sequence[MonitoredEndpointArgs] = ()
    alert_emails: Sequence[pulumi.Input[str]] = ()
    alert_https_endpoints: Sequence[pulumi.Input[str]] = ()
    artifact_bucket_name: pulumi.Input[str] | None = None
    artifact_bucket_arn: pulumi.Input[str] | None = None
    vpc_id: pulumi.Input[str] | None = None
    subnet_ids: pulumi.Input[Sequence[str]] | None = None
    data_quality: DataQualityArgs = field(default_factory=DataQualityArgs)
    cluster_name: pulumi.Input[str] | None = None
    max_pending_pods: int = 5
    pending_minutes: int = 15
    budget: BudgetArgs | None = None
