"""The cost estimate prices what the plan registers, from the shipped price table."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from components import catalog
from infra.cli import main
from infra.config.schema import SUPPORTED_REGIONS
from infra.costs import ESTIMATORS, UnpricedError, estimate_resources, prices
from infra.plan import Plan

HOURS = 730


def res(type_: str, rname: str = "r", **inputs: Any) -> dict[str, Any]:
    return {
        "urn": f"urn:pulumi:t::mlops-platform::{type_}::{rname}",
        "type": type_,
        "name": rname,
        "inputs": inputs,
    }


def one(resource: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    cost = estimate_resources([resource], region)
    assert len(cost["items"]) == 1
    return cost["items"][0]


def test_price_tables_record_source_date_and_every_supported_region() -> None:
    for table in (prices(), catalog.price_table()):
        assert "aws.amazon.com" in table["source"] and "on-demand" in table["source"]
        date.fromisoformat(table["recorded"])
    assert set(SUPPORTED_REGIONS) == set(catalog.regions())
    assert catalog.price_multiplier("us-east-1") == 1.0
    # Instance prices live in the catalog only.
    assert not {"ec2Hour", "sagemakerHour", "regionMultipliers"} & set(prices())


def test_eks_control_plane_is_flat_across_regions() -> None:
    cluster = res("aws:eks/cluster:Cluster", "c")
    assert one(cluster)["usd"] == 73.0
    assert one(cluster, "ap-northeast-1")["usd"] == 73.0


def test_node_group_prices_desired_size_of_first_instance_type() -> None:
    item = one(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            instanceTypes=["m6i.large", "m5.large"],
            scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 4},
        )
    )
    assert item["usd"] == pytest.approx(2 * 0.096 * HOURS, abs=0.01)
    assert "2 x m6i.large" in item["basis"]


def test_node_group_falls_back_to_min_size_and_gpu_at_zero_costs_nothing() -> None:
    at_min = res(
        "aws:eks/nodeGroup:NodeGroup",
        instanceTypes=["t3.medium"],
        scalingConfig={"minSize": 1, "maxSize": 3},
    )
    assert one(at_min)["usd"] == pytest.approx(0.0416 * HOURS, abs=0.01)
    gpu = res(
        "aws:eks/nodeGroup:NodeGroup",
        instanceTypes=["g5.2xlarge"],
        scalingConfig={"minSize": 0, "desiredSize": 0, "maxSize": 8},
    )
    assert one(gpu)["usd"] == 0.0


def node_pool(types: list[str], **limits: str) -> dict[str, Any]:
    requirement = {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": types}
    spec = {"limits": limits, "template": {"spec": {"requirements": [requirement]}}}
    return res("kubernetes:karpenter.sh/v1:NodePool", spec=spec)


def test_karpenter_pool_costs_nothing_idle_and_shows_its_bound_at_the_limits() -> None:
    # 128 vCPUs and 8 GPUs: 8 x g5.2xlarge (8 vCPUs, 1 GPU) or 2 x g5.12xlarge (48 vCPUs).
    item = one(node_pool(["g5.2xlarge", "g5.12xlarge"], cpu="128", **{"nvidia.com/gpu": "8"}))
    assert item["usd"] == 0.0
    small = 8 * catalog.hourly_price("g5.2xlarge", "us-east-1", "ec2") * HOURS
    large = 2 * catalog.hourly_price("g5.12xlarge", "us-east-1", "ec2") * HOURS
    bound = max(small, large)
    assert f"at most {bound:,.0f} USD/month" in item["basis"], item["basis"]
    cpu = one(node_pool(["m6i.xlarge"], cpu="16"))
    assert f"at most {4 * 0.192 * HOURS:,.0f} USD/month (4 x m6i.xlarge" in cpu["basis"]


def test_karpenter_pool_with_an_unpriced_type_is_an_error() -> None:
    with pytest.raises(UnpricedError, match=r"has no .* price"):
        estimate_resources([node_pool(["m6i.xlarge", "x9.mega"], cpu="16")], "us-east-1")


def test_spot_node_group_gets_the_documented_discount() -> None:
    scaling = {"minSize": 1, "desiredSize": 1, "maxSize": 2}
    on_demand = one(
        res("aws:eks/nodeGroup:NodeGroup", instanceTypes=["m6i.xlarge"], scalingConfig=scaling)
    )
    spot = one(
        res(
            "aws:eks/nodeGroup:NodeGroup",
            instanceTypes=["m6i.xlarge"],
            scalingConfig=scaling,
            capacityType="SPOT",
        )
    )
    discount = prices()["assumptions"]["spotDiscount"]
    assert spot["usd"] == pytest.approx(on_demand["usd"] * (1 - discount), abs=0.01)
    assert "spot" in spot["basis"]


@pytest.mark.parametrize(
    "resource",
    [
        res(
            "aws:eks/nodeGroup:NodeGroup",
            instanceTypes=["x9.mega"],
            scalingConfig={"desiredSize": 1, "minSize": 1, "maxSize": 1},
        ),
        # At zero nodes too: an unpriced type must not hide behind an idle group.
        res("aws:eks/nodeGroup:NodeGroup", instanceTypes=["g5.2xlarge", "m6a.2xlarge"]),
        res(
            "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
            productionVariants=[{"instanceType": "ml.m5.12xlarge", "initialInstanceCount": 1}],
        ),
    ],
    ids=["unknown-node-type", "unpriced-second-node-type", "unpriced-hosting-type"],
)
def test_an_unpriced_instance_type_is_an_error_never_zero(resource: dict[str, Any]) -> None:
    with pytest.raises(UnpricedError, match=r"has no .* price for us-east-1"):
        estimate_resources([resource], "us-east-1")


def test_an_unsupported_region_is_an_error() -> None:
    with pytest.raises(UnpricedError, match="no prices for region mars-east-1"):
        estimate_resources([res("aws:kms/key:Key")], "mars-east-1")


def test_region_multiplier_scales_usage_priced_items() -> None:
    nat = res("aws:ec2/natGateway:NatGateway")
    base, eu = one(nat)["usd"], one(nat, "eu-west-1")["usd"]
    assert eu == pytest.approx(base * catalog.price_multiplier("eu-west-1"), abs=0.01)
    gb = prices()["assumptions"]["natProcessedGbPerMonth"]
    assert base == pytest.approx(0.045 * HOURS + gb * 0.045, abs=0.01)


def test_interface_endpoint_is_priced_per_az_and_gateway_is_free() -> None:
    two = one(
        res("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Interface", subnetIds=["a", "b"])
    )
    three = one(
        res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            vpcEndpointType="Interface",
            subnetIds=["a", "b", "c"],
        )
    )
    assert three["usd"] - two["usd"] == pytest.approx(0.01 * HOURS, abs=0.01)
    assert one(res("aws:ec2/vpcEndpoint:VpcEndpoint", vpcEndpointType="Gateway"))["usd"] == 0


def test_sagemaker_real_time_instances_and_serverless_at_zero() -> None:
    config = res(
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        productionVariants=[
            {"variantName": "a", "instanceType": "ml.c6i.xlarge", "initialInstanceCount": 2}
        ],
    )
    assert one(config)["usd"] == pytest.approx(2 * 0.214 * HOURS, abs=0.01)
    serverless = res(
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        productionVariants=[
            {"variantName": "a", "serverlessConfig": {"memorySizeInMb": 2048, "maxConcurrency": 5}}
        ],
    )
    item = one(serverless)
    assert item["usd"] == 0.0 and "serverless" in item["basis"]


def test_mlflow_by_size_kms_alarm_dashboard_and_public_ip() -> None:
    small = one(res("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer"))
    large = one(
        res("aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer", trackingServerSize="Large")
    )
    assert small["usd"] == pytest.approx(0.60 * HOURS, abs=0.01)
    assert large["usd"] == pytest.approx(1.91 * HOURS, abs=0.01)
    assert one(res("aws:kms/key:Key"), "eu-central-1")["usd"] == 1.0
    assert one(res("aws:cloudwatch/metricAlarm:MetricAlarm", period=60))["usd"] == 0.10
    assert one(res("aws:cloudwatch/dashboard:Dashboard"))["usd"] == 3.0
    assert one(res("aws:ec2/eip:Eip"), "eu-west-1")["usd"] == pytest.approx(3.65)


def test_log_group_and_feature_group_assumptions() -> None:
    log = one(res("aws:cloudwatch/logGroup:LogGroup", retentionInDays=30))
    assert log["usd"] > 0 and "GB/month ingested" in log["basis"]
    online = one(
        res(
            "aws:sagemaker/featureGroup:FeatureGroup",
            onlineStoreConfig={"enableOnlineStore": True},
        )
    )
    offline = one(res("aws:sagemaker/featureGroup:FeatureGroup"))
    assert online["usd"] > 0 and offline["usd"] == 0.0


def scraper(interval: str | None) -> dict[str, Any]:
    config = {"scrape_configs": []} if interval is None else {
        "global": {"scrape_interval": interval}, "scrape_configs": []}  # fmt: skip
    return res("aws:amp/scraper:Scraper", scrapeConfiguration=json.dumps(config))


def test_prometheus_scraper_bills_its_hours_and_its_idle_samples() -> None:
    # Collector hour 0.04; 20 series every 30 s for 730 h = 1.752M samples, collected
    # (0.03) and ingested (0.90) per 10M.
    item = one(scraper("30s"))
    samples = 20 * HOURS * 3600 / 30 / 1e7
    assert item["usd"] == pytest.approx(0.04 * HOURS + samples * 0.93, abs=0.01)
    assert "managed collector" in item["basis"] and "30 s" in item["basis"]
    # Prometheus's default interval is 1m; a longer interval collects fewer samples.
    assert one(scraper(None))["usd"] == one(scraper("1m"))["usd"] < item["usd"]
    assert one(scraper("1m"), "eu-west-2")["usd"] > one(scraper("1m"))["usd"]
    with pytest.raises(UnpricedError, match="Prometheus duration"):
        one(scraper("30 seconds"))


def test_monitoring_schedule_uses_its_job_definition_instance() -> None:
    job = res(
        "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
        "dq",
        name="dq",
        jobResources={"clusterConfig": {"instanceType": "ml.m5.large", "instanceCount": 1}},
    )
    schedule = res(
        "aws:sagemaker/monitoringSchedule:MonitoringSchedule",
        monitoringScheduleConfig={
            "monitoringJobDefinitionName": "dq",
            "scheduleConfig": {"scheduleExpression": "cron(0 * ? * * *)"},
        },
    )
    cost = estimate_resources([job, schedule], "us-east-1")
    minutes = prices()["assumptions"]["monitoringJobMinutes"]
    assert cost["items"][0]["usd"] == pytest.approx(730 * minutes / 60 * 0.115, abs=0.01)


def test_unpriced_types_are_left_out_and_total_is_the_sum() -> None:
    resources = [
        res("aws:eks/cluster:Cluster", "c"),
        res("aws:kms/key:Key", "k"),
        res("aws:iam/role:Role", "role"),
    ]
    cost = estimate_resources(resources, "us-east-1")
    assert [i["urn"].rsplit("::", 1)[1] for i in cost["items"]] == ["c", "k"]
    assert cost["monthlyUsd"] == 74.0


def test_shipped_dev_is_within_the_idle_budget(shipped_plan: Any) -> None:
    plan: Plan = shipped_plan("dev")
    assert 0 < plan.cost["monthlyUsd"] <= 250


def test_shipped_plan_cost_items_are_plan_resources_and_all_priced(any_shipped_plan: Plan) -> None:
    cost = any_shipped_plan.cost
    urns = {r["urn"] for r in any_shipped_plan.resources}
    assert all(item["urn"] in urns for item in cost["items"])
    assert cost["monthlyUsd"] == pytest.approx(sum(i["usd"] for i in cost["items"]), abs=0.05)
    assert [i for i in cost["items"] if "not priced" in i["basis"]] == []
    priced = {r["type"] for r in any_shipped_plan.resources} & set(ESTIMATORS)
    assert priced <= {r["type"] for r in any_shipped_plan.resources if r["custom"]}


def test_prod_costs_more_than_staging_and_staging_more_than_dev(shipped_plan: Any) -> None:
    dev, staging, prod = (shipped_plan(s).cost["monthlyUsd"] for s in ("dev", "staging", "prod"))
    assert dev < staging < prod


def test_plan_table_shows_cost_per_resource(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "dev"]) == 0
    out = capsys.readouterr().out
    assert "usd/mo" in out
    assert "3.65" in out  # the NAT gateway's public IPv4 address
    assert "USD/month" in out


def test_node_group_reads_instance_type_and_disk_from_its_launch_template() -> None:
    template = res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "cpu",
        name="mlops-t-cpu",
        instanceType="m6i.large",
        blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 100}}],
    )
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        "cpu",
        launchTemplate={"id": "mlops-t-cpu-id", "version": "1"},
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
    )
    item = estimate_resources([template, group], "us-east-1")["items"][0]
    assert item["usd"] == pytest.approx(0.096 * HOURS + 100 * 0.08, abs=0.01)
    assert "m6i.large" in item["basis"] and "100 GiB gp3" in item["basis"]


def test_eks_control_plane_adds_the_extended_support_premium_on_the_plan_date() -> None:
    cluster = res(
        "aws:eks/cluster:Cluster",
        "c",
        version="1.34",
        upgradePolicy={"supportType": "EXTENDED"},
    )
    before = estimate_resources([cluster], "eu-west-1", date(2026, 12, 1))["items"][0]
    after = estimate_resources([cluster], "eu-west-1", date(2026, 12, 2))["items"][0]
    assert before["usd"] == pytest.approx(0.10 * HOURS)
    assert "1.34 standard support" in before["basis"]
    assert after["usd"] == pytest.approx(0.60 * HOURS)
    assert "1.34 extended support 0.6 USD/h" in after["basis"] and "2026-12-02" in after["basis"]
    with pytest.raises(UnpricedError, match="no EKS support on 2027-12-02"):
        estimate_resources([cluster], "eu-west-1", date(2027, 12, 2))


def test_instance_prices_are_the_catalogs_for_the_region() -> None:
    group = res(
        "aws:eks/nodeGroup:NodeGroup",
        instanceTypes=["g5.xlarge"],
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 1},
    )
    for region in catalog.regions():
        rate = catalog.hourly_price("g5.xlarge", region, "ec2")
        assert rate is not None
        assert one(group, region)["usd"] == pytest.approx(rate * HOURS, abs=0.01)


def test_a_plan_that_cannot_be_priced_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Unreachable with the shipped tables (the schema refuses unpriced types); if a table
    # ever lacks an entry, the plan stops instead of reporting a total that is too low.
    monkeypatch.setattr(catalog, "eks_hourly_price", lambda support: None)
    assert main(["plan", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot estimate the plan's cost" in err


def test_diff_of_a_saved_plan_that_cannot_be_priced_is_an_input_error(tmp_path: Any) -> None:
    from infra.plan_diff import DiffInputError, load_side

    group = res("aws:eks/nodeGroup:NodeGroup", instanceTypes=["m6a.2xlarge"])
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps({"resources": [group], "outputs": {"region": "eu-west-1"}}))
    with pytest.raises(DiffInputError, match=r"cannot estimate its cost: .*m6a\.2xlarge"):
        load_side(str(saved))


def test_codebuild_project_is_free_idle_and_hourly_types_need_a_price() -> None:
    from infra.costs import UnpricedError, estimate_resources

    project = {
        "urn": "urn:project",
        "type": "aws:codebuild/project:Project",
        "inputs": {"environment": {"computeType": "BUILD_GENERAL1_SMALL"}},
    }
    cost = estimate_resources([project], "eu-west-1")
    assert cost["monthlyUsd"] == 0
    assert "per build minute" in cost["items"][0]["basis"]
    fleet = {"urn": "urn:fleet", "type": "aws:codebuild/fleet:Fleet", "inputs": {}}
    with pytest.raises(UnpricedError, match="urn:fleet"):
        estimate_resources([fleet], "eu-west-1")
