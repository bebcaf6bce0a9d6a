"""Monitoring: alert topic, endpoint and cluster alarms, dashboard, data-quality jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from components import Deployment, Monitoring, MonitoringArgs
from components.monitoring import (
    MonitoredEndpointArgs,
    dashboard_body,
    endpoint_alarm_names,
    model_monitor_image,
)
from infra.plan import SECRET_SHOWN, Plan, record_resources
from tests.helpers import of_type, policy_json

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
JOB = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
ADDON = "aws:eks/addon:Addon"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"


def run_component(build: Callable[[], None]) -> list[dict[str, Any]]:
    """Registrations made by `build()` run under the platform mocks, in isolation."""
    return record_resources(build, stack="unit")[0]


DEPLOYMENT = Deployment(stack="unit", environment="staging", region="eu-west-1")
KEY = "arn:aws:kms:eu-west-1:123456789012:key/k"


def monitoring_args(**overrides: Any) -> MonitoringArgs:
    values: dict[str, Any] = {
        "kms_key_arn": KEY,
        "dashboard_name": "mlops-unit-platform",
        "endpoints": [
            MonitoredEndpointArgs(
                endpoint_name="mlops-unit-fraud",
                endpoint="mlops-unit-fraud",
                data_capture_uri="s3://mlops-unit-artifacts/data-capture/mlops-unit-fraud",
            )
        ],
        "alert_emails": ["oncall@example.com"],
        "artifact_bucket_name": "mlops-unit-artifacts",
        "artifact_bucket_arn": "arn:aws:s3:::mlops-unit-artifacts",
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-a", "subnet-b"],
    }
    values.update(overrides)
    return MonitoringArgs(**values)


def build(args: MonitoringArgs) -> list[dict[str, Any]]:
    return run_component(lambda: Monitoring("monitoring", args, DEPLOYMENT))


def of(resources: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == type_token]


# -- the shipped stacks ------------------------------------------------------------------------


def test_alert_topic_is_encrypted_and_subscribed_as_configured(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (topic,) = of_type(plan, TOPIC)
    assert topic["inputs"]["kmsMasterKeyId"] == plan.outputs["kmsKeyArn"]
    assert plan.outputs["alertTopicArn"].endswith(f"mlops-{plan.stack}-alerts")
    subscriptions = {
        (s["inputs"]["protocol"], s["inputs"]["endpoint"]) for s in of_type(plan, SUBSCRIPTION)
    }
    monitoring = plan.config.monitoring
    # Webhook URLs embed integration keys: secrets in state, masked in the plan.
    assert subscriptions == {("email", e) for e in monitoring.alert_emails} | {
        ("https", SECRET_SHOWN) for _ in monitoring.alert_https_endpoints
    }
    policy = policy_json(of_type(plan, "aws:sns/topicPolicy:TopicPolicy")[0])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CloudWatchAlarmsPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"


def test_prod_subscribes_email_and_https(shipped_plan: Any) -> None:
    protocols = sorted(s["inputs"]["protocol"] for s in of_type(shipped_plan("prod"), SUBSCRIPTION))
    assert protocols == ["email", "https"]


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
            if a["inputs"]["dimensions"].get("EndpointName") == endpoint["inputs"]["name"]
        }
        assert names == own


def test_alarms_are_created_after_their_endpoint(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    endpoint_urns = {r["inputs"]["name"]: r["urn"] for r in of_type(plan, ENDPOINT)}
    endpoint_alarms = [
        a for a in of_type(plan, ALARM) if a["inputs"]["namespace"] == "AWS/SageMaker"
    ]
    assert endpoint_alarms
    for alarm in endpoint_alarms:
        endpoint = alarm["inputs"]["dimensions"]["EndpointName"]
        assert endpoint_urns[endpoint] in alarm["dependsOn"]


def test_one_dashboard_shows_every_endpoint(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (dashboard,) = of_type(plan, DASHBOARD)
    assert dashboard["inputs"]["dashboardName"] == plan.outputs["dashboardName"]
    body = json.loads(dashboard["inputs"]["dashboardBody"])
    charted = {
        metric[metric.index("EndpointName") + 1]
        for widget in body["widgets"]
        for metric in widget["properties"].get("metrics", [])
        if "EndpointName" in metric
    }
    assert charted == set(plan.outputs["endpointNames"])
    for widget in body["widgets"]:
        assert widget["properties"].get("region", "eu-west-1") == "eu-west-1"


def test_data_quality_job_and_schedule_per_capturing_endpoint(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    capturing = [e for e in plan.config.serving.endpoints if e.data_capture_percent > 0]
    jobs = of_type(plan, JOB)
    schedules = of_type(plan, SCHEDULE)
    assert len(jobs) == len(schedules) == len(capturing)
    key = plan.outputs["kmsKeyArn"]
    bucket = f"mlops-{plan.stack}-artifacts-123456789012"
    private = plan.outputs["privateSubnetIds"]
    for config in capturing:
        physical = f"mlops-{plan.stack}-{config.name}"
        job = next(j for j in jobs if j["inputs"]["name"] == f"{physical}-data-quality")["inputs"]
        assert job["dataQualityJobInput"]["endpointInput"]["endpointName"] == physical
        assert job["roleArn"].endswith(f":role/mlops-{plan.stack}-model-monitor")
        assert job["jobResources"]["clusterConfig"]["volumeKmsKeyId"] == key
        output = job["dataQualityJobOutputConfig"]
        assert output["kmsKeyId"] == key
        assert output["monitoringOutputs"]["s3Output"]["s3Uri"] == (
            f"s3://{bucket}/monitoring/{physical}/data-quality"
        )
        network = job["networkConfig"]
        assert network["enableNetworkIsolation"] is True
        assert network["enableInterContainerTrafficEncryption"] is True
        assert network["vpcConfig"]["subnets"] == private
        assert job["dataQualityAppSpecification"]["imageUri"] == model_monitor_image("eu-west-1")
        schedule = next(s for s in schedules if s["inputs"]["name"] == f"{physical}-data-quality")
        config_in = schedule["inputs"]["monitoringScheduleConfig"]
        assert config_in["monitoringJobDefinitionName"] == f"{physical}-data-quality"
        assert config_in["monitoringType"] == "DataQuality"
        assert config_in["scheduleConfig"]["scheduleExpression"] == (
            plan.config.monitoring.data_quality.schedule
        )


def test_prod_monitors_data_quality_of_all_three_endpoints(shipped_plan: Any) -> None:
    assert len(of_type(shipped_plan("prod"), SCHEDULE)) == 3
    assert of_type(shipped_plan("dev"), SCHEDULE) == []


def test_model_monitor_role_is_least_privilege(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    (policy,) = [
        r
        for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if r["name"] == "monitoring-monitor-role-policy"
    ]
    statements = policy_json(policy)["Statement"]
    for statement in statements:
        actions = statement["Action"]
        actions = actions if isinstance(actions, list) else [actions]
        assert all("*" not in a for a in actions)
    by_sid = {s["Sid"]: s for s in statements}
    assert (
        by_sid["WriteReports"]["Resource"]
        == "arn:aws:s3:::mlops-prod-artifacts-123456789012/monitoring/*"
    )


def test_shipped_clusters_get_container_insights_and_cluster_alarms(
    any_shipped_plan: Plan,
) -> None:
    cluster = any_shipped_plan.outputs["eksClusterName"]
    addons = [a for a in of_type(any_shipped_plan, ADDON)
              if a["inputs"]["addonName"] == "amazon-cloudwatch-observability"]  # fmt: skip
    assert [a["inputs"]["clusterName"] for a in addons] == [cluster]
    cluster_alarms = [a for a in of_type(any_shipped_plan, ALARM)
                      if a["inputs"]["namespace"] == "ContainerInsights"]  # fmt: skip
    assert cluster_alarms
    assert all(a["inputs"]["dimensions"]["ClusterName"] == cluster for a in cluster_alarms)


# -- the component on its own ---------------------------------------------------------------


def test_cluster_gets_observability_addon_alarms_and_dashboard_row() -> None:
    resources = build(monitoring_args(cluster_name="mlops-unit-training", max_pending_pods=3))
    (addon,) = of(resources, ADDON)
    assert addon["inputs"]["addonName"] == "amazon-cloudwatch-observability"
    assert addon["inputs"]["clusterName"] == "mlops-unit-training"
    (association,) = addon["inputs"]["podIdentityAssociations"]
    assert association["serviceAccount"] == "cloudwatch-agent"
    attachments = of(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [a["inputs"]["policyArn"] for a in attachments] == [
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    ]
    cluster_alarms = {
        a["inputs"]["metricName"]: a["inputs"]
        for a in of(resources, ALARM)
        if a["inputs"]["namespace"] == "ContainerInsights"
    }
    assert set(cluster_alarms) == {"cluster_failed_node_count", "pod_status_pending"}
    for alarm in cluster_alarms.values():
        assert alarm["dimensions"] == {"ClusterName": "mlops-unit-training"}
        assert alarm["alarmActions"] == [
            "arn:aws:sns:eu-west-1:123456789012:topic/mlops-unit-alerts"
        ]
    assert cluster_alarms["pod_status_pending"]["threshold"] == 3
    (dashboard,) = of(resources, DASHBOARD)
    assert "mlops-unit-training" in dashboard["inputs"]["dashboardBody"]


def test_cluster_alarms_without_the_addon_when_it_is_installed_elsewhere() -> None:
    resources = build(
        monitoring_args(cluster_name="mlops-unit-training", cluster_observability_addon=False)
    )
    assert of(resources, ADDON) == []
    assert len([a for a in of(resources, ALARM) if "ClusterName" in a["inputs"]["dimensions"]]) == 2


def test_endpoint_without_capture_gets_alarms_but_no_data_quality_job() -> None:
    endpoint = MonitoredEndpointArgs(endpoint_name="mlops-unit-light", endpoint="mlops-unit-light")
    resources = build(monitoring_args(endpoints=[endpoint]))
    assert len(of(resources, ALARM)) == 3
    assert of(resources, JOB) == []
    assert of(resources, SCHEDULE) == []
    assert of(resources, "aws:iam/role:Role") == []


def test_baseline_can_be_left_out() -> None:
    from components.monitoring import DataQualityArgs

    with_baseline = of(build(monitoring_args()), JOB)[0]["inputs"]
    assert with_baseline["dataQualityBaselineConfig"]["constraintsResource"]["s3Uri"] == (
        "s3://mlops-unit-artifacts/monitoring/mlops-unit-fraud/baseline/constraints.json"
    )
    without = of(build(monitoring_args(data_quality=DataQualityArgs(baseline=False))), JOB)
    assert "dataQualityBaselineConfig" not in without[0]["inputs"]


def test_data_quality_needs_bucket_and_network() -> None:
    with pytest.raises(ValueError, match="artifact bucket"):
        build(monitoring_args(artifact_bucket_name=None))


def test_empty_environment_still_gets_a_valid_dashboard() -> None:
    body = dashboard_body("eu-west-1", [])
    assert body["widgets"][0]["type"] == "text"
    body = dashboard_body("eu-west-1", [("a", "AllTraffic"), ("b", "AllTraffic")], "c")
    assert len(body["widgets"]) == 9
    assert len({(w["x"], w["y"]) for w in body["widgets"]}) == 9


def test_unknown_region_has_no_model_monitor_image() -> None:
    with pytest.raises(ValueError, match="no Model Monitor analyzer image"):
        model_monitor_image("xx-nowhere-1")
