"""Per-endpoint alarms and the cluster alarms."""

from __future__ import annotations

from typing import Any

from components.monitoring import MonitoredEndpointArgs, endpoint_alarm_names
from infra.plan import Plan
from tests.helpers import of_type

from .common import (
    ADDON,
    ALARM,
    ENDPOINT,
    JOB,
    SCHEDULE,
    build,
    monitoring_args,
    of,
)


def test_three_alarms_per_endpoint_on_the_topic(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    alarms = {a["inputs"]["name"]: a["inputs"] for a in of_type(plan, ALARM)}
    topic = plan.outputs["alertTopicArn"]
    # Only deployed endpoints are watched; one waiting for a model version has no alarms.
    deployed = plan.config.serving.deployed()
    assert len(plan.outputs["endpointNames"]) == len(deployed)
    assert len(alarms) >= 3 * len(deployed)
    for config, physical in zip(deployed, plan.outputs["endpointNames"], strict=True):
        names = endpoint_alarm_names(physical)
        metrics = {}
        for name in names.all():
            alarm = alarms[name]
            assert alarm["alarmActions"] == [topic]
            assert alarm["namespace"] == "AWS/SageMaker"
            assert alarm["dimensions"] == {"EndpointName": physical, "VariantName": "AllTraffic"}
            assert alarm["evaluationPeriods"] == config.alarms.evaluation_minutes
            metrics[name] = alarm
        assert metrics[names.errors_5xx]["metricName"] == "Invocation5XXErrors"
        assert metrics[names.errors_5xx]["threshold"] == config.alarms.max_server_errors
        latency = metrics[names.latency_p99]
        assert (latency["metricName"], latency["extendedStatistic"]) == ("ModelLatency", "p99")
        # ModelLatency is in microseconds, the config in milliseconds.
        assert latency["threshold"] == config.alarms.latency_p99_ms * 1000
        assert metrics[names.invocation_errors]["metricName"] == "InvocationModelErrors"
    assert sorted(plan.outputs["alarmNames"]) == sorted(alarms)


def test_rollback_alarm_names_match_the_alarms_created(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    created = {a["inputs"]["name"] for a in of_type(plan, ALARM)}
    for endpoint in of_type(plan, ENDPOINT):
        deployment = endpoint["inputs"].get("deploymentConfig")
        if deployment is None:  # serverless: no deployment guardrails
            continue
        names = {a["alarmName"] for a in deployment["autoRollbackConfiguration"]["alarms"]}
        assert names <= created
        own = {
            a["inputs"]["name"]
            for a in of_type(plan, ALARM)
            # Metric-math alarms (drift) have no dimensions of their own.
            if a["inputs"].get("dimensions", {}).get("EndpointName") == endpoint["inputs"]["name"]
            # Model-quality alarms judge a daily run against labels, not a rollout.
            and a["inputs"].get("namespace") == "AWS/SageMaker"
        }
        assert names == own


def test_alarms_are_created_after_their_endpoint(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    endpoint_urns = {r["inputs"]["name"]: r["urn"] for r in of_type(plan, ENDPOINT)}
    endpoint_alarms = [
        a for a in of_type(plan, ALARM) if a["inputs"].get("namespace") == "AWS/SageMaker"
    ]
    assert endpoint_alarms
    for alarm in endpoint_alarms:
        endpoint = alarm["inputs"]["dimensions"]["EndpointName"]
        assert endpoint_urns[endpoint] in alarm["dependsOn"]


def test_shipped_clusters_get_container_insights_and_cluster_alarms(
    any_shipped_plan: Plan,
) -> None:
    cluster = any_shipped_plan.outputs["eksClusterName"]
    addons = [a for a in of_type(any_shipped_plan, ADDON)
              if a["inputs"]["addonName"] == "amazon-cloudwatch-observability"]  # fmt: skip
    assert [a["inputs"]["clusterName"] for a in addons] == [cluster]
    cluster_alarms = [a for a in of_type(any_shipped_plan, ALARM)
                      if a["inputs"].get("namespace") == "ContainerInsights"]  # fmt: skip
    assert cluster_alarms
    assert all(a["inputs"]["dimensions"]["ClusterName"] == cluster for a in cluster_alarms)


def test_endpoint_without_capture_gets_alarms_but_no_data_quality_job() -> None:
    endpoint = MonitoredEndpointArgs(endpoint_name="mlops-unit-light", endpoint="mlops-unit-light")
    resources = build(monitoring_args(endpoints=[endpoint]))
    assert len(of(resources, ALARM)) == 3
    assert of(resources, JOB) == []
    assert of(resources, SCHEDULE) == []
    assert of(resources, "aws:iam/role:Role") == []


def test_thresholds_are_defined_once() -> None:
    """The schema's defaults are the component's: an unconfigured endpoint alarms alike."""
    from components.monitoring import DEFAULT_THRESHOLDS
    from infra.config.serving import EndpointAlarms

    schema = EndpointAlarms()
    assert (
        schema.max_server_errors,
        schema.latency_p99_ms,
        schema.max_invocation_errors,
        schema.evaluation_minutes,
    ) == (
        DEFAULT_THRESHOLDS.max_5xx_errors,
        DEFAULT_THRESHOLDS.latency_p99_ms,
        DEFAULT_THRESHOLDS.max_invocation_errors,
        DEFAULT_THRESHOLDS.evaluation_minutes,
    )
    assert MonitoredEndpointArgs("e", "e").thresholds == DEFAULT_THRESHOLDS
