"""Monthly cost estimate of a plan, from the catalog's prices and `infra/data/prices.json`.

The figure is the *idle* monthly bill of what the stack creates: hourly resources running a
full month (730 h) at their configured size, plus small documented usage assumptions for
pay-per-use services (NAT and endpoint data, log ingestion, feature-store requests). It
leaves out what depends on traffic and data volume (S3, ECR storage, inference requests of
serverless endpoints, training jobs, cross-AZ transfer): a review aid, not a bill.

Instance prices per region and the EKS control-plane price per Kubernetes support level
come from the catalog (`components/catalog`); the other prices here are us-east-1 list
prices scaled by the catalog's per-region multiplier. Each estimator reads the camelCase
inputs the resource is registered with, so it prices whatever the components really create.
An instance type, region or size without a price is an error (`UnpricedError`), never 0:
the schema refuses such a stack before it is planned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from components import catalog

from .pipeline_costs import schedule_estimate

PRICES_PATH = Path(__file__).resolve().parent / "data" / "prices.json"

Resource = dict[str, Any]
Estimate = tuple[float, str]


@cache
def prices() -> dict[str, Any]:
    """The shipped price table (source, date, base prices, region multipliers, assumptions)."""
    table: dict[str, Any] = json.loads(PRICES_PATH.read_text(encoding="utf-8"))
    return table


class UnpricedError(ValueError):
    """Something the plan creates has no price; the estimate refuses to count it as 0."""


class _Pricer:
    """Prices one resource at a time for one region, on one day."""

    def __init__(self, region: str, resources: list[Resource], day: date) -> None:
        table = prices()
        self.table = table
        self.hours = float(table["hoursPerMonth"])
        self.region = region
        self.day = day
        multiplier = catalog.price_multiplier(region)
        if multiplier is None:
            raise UnpricedError(f"no prices for region {region} (supported: {catalog.regions()})")
        self.multiplier = multiplier
        self.flat = table["flat"]
        self.usage = table["usage"]
        self.assume = table["assumptions"]
        self.resources = resources

    def regional(self, usd: float) -> float:
        return usd * self.multiplier

    def hourly(self, usd_per_hour: float, regional: bool = True) -> float:
        rate = self.regional(usd_per_hour) if regional else usd_per_hour
        return rate * self.hours

    def instance_rate(self, instance_type: str, service: str, where: str) -> float:
        """USD per hour of `instance_type` in this region; raises UnpricedError."""
        rate = catalog.hourly_price(instance_type, self.region, service)
        if rate is None:
            raise UnpricedError(
                f"{where}: {instance_type} has no {service} price for {self.region} in the "
                "catalog (components/catalog/prices.json)"
            )
        return rate

    def region_note(self) -> str:
        if self.multiplier == 1.0:
            return ""
        return f" x{self.multiplier:g} {self.region}"


def _eks_cluster(r: Resource, p: _Pricer) -> Estimate:
    version = r["inputs"].get("version")
    if version is None:
        # EKS creates a cluster without a version on its default, in standard support.
        support: catalog.Support = "standard"
    else:
        entry = catalog.kubernetes_version(str(version))
        if entry is None:
            raise UnpricedError(f"{r['urn']}: Kubernetes {version} is not in the EKS calendar")
        support = entry.support_on(p.day)
    rate = catalog.eks_hourly_price(support)
    if rate is None:
        raise UnpricedError(f"{r['urn']}: Kubernetes {version} has no EKS support on {p.day}")
    label = f"{version} " if version else ""
    return p.hourly(rate, regional=False), (
        f"EKS control plane {label}{support} support {rate:g} USD/h x {p.hours:g} h "
        f"on {p.day.isoformat()}"
    )


def _node_group(r: Resource, p: _Pricer) -> Estimate:
    inputs = r["inputs"]
    scaling = inputs.get("scalingConfig") or {}
    count = scaling.get("desiredSize")
    if count is None:
        count = scaling.get("minSize", 0)
    count = int(count or 0)
    template = _launch_template(inputs.get("launchTemplate") or {}, p.resources)
    types = inputs.get("instanceTypes") or [template.get("instanceType")]
    if not types[0]:
        raise UnpricedError(f"{r['urn']}: no instance type in the node group or its template")
    # Every type the group may launch must be priced, even if only the first is counted.
    rates = [p.instance_rate(t, "ec2", r["urn"]) for t in types]
    instance, rate = types[0], rates[0]
    if count == 0:
        return 0.0, f"0 x {instance} at idle (scales from zero; {rate:.4f} USD/h each)"
    spot = str(inputs.get("capacityType", "ON_DEMAND")).upper() == "SPOT"
    discount = p.assume["spotDiscount"] if spot else 0.0
    compute = count * rate * p.hours * (1 - discount)
    disk_gib = int(inputs.get("diskSize") or 0) or sum(
        int((m.get("ebs") or {}).get("volumeSize") or 0)
        for m in template.get("blockDeviceMappings") or []
    )
    disk = count * disk_gib * p.regional(p.usage["ebsGp3GbMonth"])
    basis = f"{count} x {instance} {rate:.4f} USD/h in {p.region}"
    if spot:
        basis += f" spot -{discount:.0%}"
    if disk:
        basis += f" + {disk_gib} GiB gp3 each"
    return compute + disk, basis


def _requirement(requirements: list[dict[str, Any]], key: str) -> list[str]:
    """The values a NodePool requirement on `key` admits ([] when there is none)."""
    return next((list(q["values"]) for q in requirements if q["key"] == key), [])


def _node_pool(r: Resource, p: _Pricer) -> Estimate:
    """A Karpenter pool has no minimum: 0 idle; its limits bound what it can cost."""
    spec = r["inputs"].get("spec") or {}
    limits = spec.get("limits") or {}
    requirements = spec.get("template", {}).get("spec", {}).get("requirements") or []
    types = _requirement(requirements, "node.kubernetes.io/instance-type")
    if not types:
        raise UnpricedError(f"{r['urn']}: a pool without an instance-type requirement")
    bound, worst = 0.0, ""
    for name in types:
        rate = p.instance_rate(name, "ec2", r["urn"])
        spec_of = catalog.instance_type(name)
        assert spec_of is not None  # instance_rate refuses unknown types
        nodes = int(limits.get("cpu", 0)) // spec_of.vcpus
        if spec_of.gpus and "nvidia.com/gpu" in limits:
            nodes = min(nodes, int(limits["nvidia.com/gpu"]) // spec_of.gpus)
        if nodes * rate * p.hours > bound:
            bound, worst = nodes * rate * p.hours, f"{nodes} x {name} on-demand"
    reserved = (
        "; reserved capacity is billed by its reservation, outside this stack, used or not"
        if "reserved" in _requirement(requirements, "karpenter.sh/capacity-type")
        else ""
    )
    return 0.0, (
        f"0 nodes at idle (Karpenter pool, scales from zero); at its limits at most "
        f"{bound:,.0f} USD/month ({worst or 'no node fits the limits'}){reserved}"
    )


def _launch_template(reference: dict[str, Any], resources: list[Resource]) -> dict[str, Any]:
    """Inputs of the launch template a node group references (by id or name), if planned."""
    if not reference:
        return {}
    for other in resources:
        if other["type"] != "aws:ec2/launchTemplate:LaunchTemplate":
            continue
        physical = other["inputs"].get("name") or other["name"]
        if reference.get("name") == physical or reference.get("id") in (
            f"{physical}-id",
            f"{other['name']}-id",
        ):
            inputs: dict[str, Any] = other["inputs"]
            return inputs
    return {}


def _nat_gateway(r: Resource, p: _Pricer) -> Estimate:
    gb = p.assume["natProcessedGbPerMonth"]
    usd = p.hourly(p.usage["natGatewayHour"]) + gb * p.regional(p.usage["natGatewayGb"])
    return usd, f"NAT gateway {p.usage['natGatewayHour']} USD/h{p.region_note()} + {gb} GB/month"


def _public_ip(r: Resource, p: _Pricer) -> Estimate:
    rate = p.flat["publicIpv4Hour"]
    return p.hourly(rate, regional=False), f"public IPv4 address {rate} USD/h"


def _vpc_endpoint(r: Resource, p: _Pricer) -> Estimate | None:
    inputs = r["inputs"]
    kind = str(inputs.get("vpcEndpointType", "Gateway"))
    if kind == "Gateway":
        return 0.0, "gateway endpoint: no charge"
    azs = max(1, len(inputs.get("subnetIds") or []))
    gb = p.assume["interfaceEndpointGbPerMonth"]
    rate = p.usage["interfaceEndpointAzHour"]
    usd = azs * p.hourly(rate) + gb * p.regional(p.usage["interfaceEndpointGb"])
    return usd, f"{kind} endpoint {rate} USD/h x {azs} AZ{p.region_note()} + {gb} GB/month"


def _endpoint_configuration(r: Resource, p: _Pricer) -> Estimate:
    variants = list(r["inputs"].get("productionVariants") or [])
    variants += list(r["inputs"].get("shadowProductionVariants") or [])
    total = 0.0
    parts = []
    for variant in variants:
        if variant.get("serverlessConfig"):
            parts.append("serverless: 0 idle")
            continue
        instance = variant.get("instanceType")
        count = int(variant.get("initialInstanceCount") or 0)
        rate = p.instance_rate(str(instance), "sagemaker-hosting", r["urn"])
        total += count * rate * p.hours
        parts.append(f"{count} x {instance} {rate:.4f} USD/h")
    return total, "; ".join(parts or ["no variants"]) + f" in {p.region}"


def _mlflow(r: Resource, p: _Pricer) -> Estimate:
    size = str(r["inputs"].get("trackingServerSize") or "Small")
    rate = p.usage["mlflowTrackingServerHour"].get(size)
    if rate is None:
        raise UnpricedError(f"{r['urn']}: MLflow tracking server size {size} has no price")
    return p.hourly(rate), f"MLflow tracking server {size} {rate} USD/h{p.region_note()}"


def _kms_key(r: Resource, p: _Pricer) -> Estimate:
    return float(p.flat["kmsKeyMonth"]), "KMS customer managed key"


def _log_group(r: Resource, p: _Pricer) -> Estimate:
    gb = p.assume["logIngestedGbPerGroupMonth"]
    retention = r["inputs"].get("retentionInDays") or 0
    months = min(p.assume["logStoredMonthsCap"], retention / 30 if retention else 12)
    stored = gb * max(1.0, months)
    usd = gb * p.regional(p.usage["logIngestionGb"]) + stored * p.regional(
        p.usage["logStorageGbMonth"]
    )
    return usd, f"assumes {gb} GB/month ingested, {stored:g} GB stored{p.region_note()}"


def _metric_alarm(r: Resource, p: _Pricer) -> Estimate:
    inputs = r["inputs"]
    queries = inputs.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) or 1
    high_res = int(inputs.get("period") or 60) < 60
    rate = p.usage["highResolutionAlarmMetricMonth" if high_res else "alarmMetricMonth"]
    return metrics * p.regional(rate), f"{metrics} alarm metric(s) x {rate} USD{p.region_note()}"


def _dashboard(r: Resource, p: _Pricer) -> Estimate:
    rate = p.usage["dashboardMonth"]
    return p.regional(rate), f"dashboard {rate} USD/month{p.region_note()}"


def _feature_group(r: Resource, p: _Pricer) -> Estimate:
    online = (r["inputs"].get("onlineStoreConfig") or {}).get("enableOnlineStore")
    if not online:
        return 0.0, "offline store only: S3 storage, not estimated"
    a, u = p.assume, p.usage
    usd = (
        a["featureGroupOnlineGb"] * u["featureStoreOnlineGbMonth"]
        + a["featureGroupWritesMillionPerMonth"] * u["featureStoreWriteMillion"]
        + a["featureGroupReadsMillionPerMonth"] * u["featureStoreReadMillion"]
    )
    return p.regional(usd), (
        f"online store: assumes {a['featureGroupOnlineGb']} GB, "
        f"{a['featureGroupWritesMillionPerMonth']}M writes, "
        f"{a['featureGroupReadsMillionPerMonth']}M reads/month{p.region_note()}"
    )


def _secret(r: Resource, p: _Pricer) -> Estimate:
    rate = p.usage["secretMonth"]
    return p.regional(rate), f"secret {rate} USD/month"


def _load_balancer(r: Resource, p: _Pricer) -> Estimate:
    kind = str(r["inputs"].get("loadBalancerType") or "application")
    key = "networkLoadBalancerHour" if kind == "network" else "applicationLoadBalancerHour"
    rate = p.usage[key]
    return p.hourly(rate), f"{kind} load balancer {rate} USD/h{p.region_note()} (no LCU usage)"


_RUNS_PER_MONTH = (
    (re.compile(r"^cron\(0 \* "), 730.0),
    (re.compile(r"^cron\(\d+ \d+ \* \* \? \*\)|^cron\(\d+ \d+ \? \* \* \*\)"), 30.0),
)


def _monitoring_schedule(r: Resource, p: _Pricer) -> Estimate:
    config = r["inputs"].get("monitoringScheduleConfig") or {}
    expression = str((config.get("scheduleConfig") or {}).get("scheduleExpression", ""))
    runs = next((n for pattern, n in _RUNS_PER_MONTH if pattern.match(expression)), 730.0)
    definition_name = config.get("monitoringJobDefinitionName")
    instance, count = p.assume["monitoringJobDefaultInstance"], 1
    for other in p.resources:
        if other["type"].endswith("JobDefinition:DataQualityJobDefinition") and (
            other["inputs"].get("name") == definition_name
        ):
            cluster = (other["inputs"].get("jobResources") or {}).get("clusterConfig") or {}
            instance = cluster.get("instanceType", instance)
            count = int(cluster.get("instanceCount") or 1)
    rate = p.instance_rate(instance, "sagemaker-processing", r["urn"])
    minutes = p.assume["monitoringJobMinutes"]
    usd = runs * minutes / 60 * count * rate
    return usd, (
        f"{runs:g} runs/month x {minutes} min on {count} x {instance} {rate:.4f} USD/h "
        f"in {p.region} (assumed run time)"
    )


_DURATION = re.compile(r"(\d+)(ms|s|m|h)")
_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _scrape_interval_seconds(configuration: Any) -> float:
    """The global scrape interval of a Prometheus configuration (Prometheus's default 1m)."""
    parsed = yaml.safe_load(configuration) if isinstance(configuration, str) else None
    text = str(((parsed or {}).get("global") or {}).get("scrape_interval") or "1m")
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UnpricedError(f"scrape interval {text!r} is not a Prometheus duration")
    return sum(int(n) * _SECONDS[u] for n, u in parts)


def _prometheus_scraper(r: Resource, p: _Pricer) -> Estimate:
    """A managed collector bills every hour it exists, plus each sample it collects and the
    workspace ingests; idle, only the always-present series arrive."""
    interval = _scrape_interval_seconds(r["inputs"].get("scrapeConfiguration"))
    series = p.assume["prometheusIdleSeries"]
    samples_in_ten_millions = series * p.hours * 3600 / interval / 1e7
    per_ten_million = (
        p.usage["prometheusCollectedTenMillionSamples"]
        + p.usage["prometheusIngestedTenMillionSamples"]
    )
    rate = p.usage["prometheusCollectorHour"]
    usd = p.hourly(rate) + samples_in_ten_millions * p.regional(per_ten_million)
    return usd, (
        f"managed collector {rate} USD/h{p.region_note()} + {series} idle series every "
        f"{interval:g} s collected and ingested (GPU series while GPU nodes run not included)"
    )


def _codebuild_project(r: Resource, p: _Pricer) -> Estimate:
    compute = r["inputs"].get("environment", {}).get("computeType", "?")
    return 0.0, f"billed per build minute on {compute}; nothing while idle"


# Types billed by the hour while they exist, that no estimator prices yet: planning one is
# an error, never a silent 0 (resource types outside ESTIMATORS cost nothing idle).
HOURLY_TYPES_WITHOUT_ESTIMATOR = frozenset(
    {
        "aws:codebuild/fleet:Fleet",
        "aws:ec2/instance:Instance",
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:elasticache/cluster:Cluster",
        "aws:opensearch/domain:Domain",
        "aws:sagemaker/notebookInstance:NotebookInstance",
    }
)


def _pipeline_schedule(r: Resource, p: _Pricer) -> Estimate | None:
    try:
        return schedule_estimate(r, p.resources, p.region, p.assume["pipelineJobMinutes"])
    except ValueError as error:
        raise UnpricedError(f"{r['urn']}: {error}") from None


ESTIMATORS: dict[str, Callable[[Resource, _Pricer], Estimate | None]] = {
    "aws:codebuild/project:Project": _codebuild_project,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "kubernetes:karpenter.sh/v1:NodePool": _node_pool,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _public_ip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": _endpoint_configuration,
    "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": _mlflow,
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:sagemaker/featureGroup:FeatureGroup": _feature_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": _monitoring_schedule,
    "aws:scheduler/schedule:Schedule": _pipeline_schedule,
    "aws:amp/scraper:Scraper": _prometheus_scraper,
}


def estimate_resources(
    resources: Iterable[Resource], region: str, day: date | None = None
) -> dict[str, Any]:
    """The cost section for a list of plan resources in `region` on `day` (default today).

    Raises UnpricedError when something the plan creates has no price.
    """
    resources = list(resources)
    pricer = _Pricer(region, resources, day or date.today())
    items = []
    for resource in resources:
        estimator = ESTIMATORS.get(resource["type"])
        if resource["type"] in HOURLY_TYPES_WITHOUT_ESTIMATOR:
            raise UnpricedError(f"{resource['urn']}: {resource['type']} has no price estimator")
        if estimator is None:
            continue
        estimate = estimator(resource, pricer)
        if estimate is None:
            continue
        usd, basis = estimate
        items.append({"urn": resource["urn"], "usd": round(usd, 2), "basis": basis})
    total = round(sum(item["usd"] for item in items), 2)
    return {"monthlyUsd": total, "items": items}


def estimate_cost(plan: Any, day: date | None = None) -> dict[str, Any]:
    """{"monthlyUsd": total, "items": [{"urn", "usd", "basis"}]} for a Plan on `day`."""
    return estimate_resources(plan.resources, plan.config.region, day)
