"""Every component example runs offline and registers what its component is for."""

from __future__ import annotations

import inspect
import runpy
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest

from infra.commands.docs import COMPONENTS, EXAMPLES_DIR, example_dir, load
from infra.plan import record_resources

# Per example: the component's type token, then resources (and counts) it must register.
EXPECTED: dict[str, dict[str, int]] = {
    "platform_key": {
        "mlops:security:PlatformKey": 1,
        "aws:kms/key:Key": 1,
        "aws:kms/alias:Alias": 1,
    },
    "secure_bucket": {
        "mlops:storage:SecureBucket": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
    },
    "network": {
        "mlops:network:Network": 1,
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/subnet:Subnet": 6,
        "aws:ec2/natGateway:NatGateway": 3,
        "aws:ec2/flowLog:FlowLog": 1,
    },
    "feature_store": {
        "mlops:data:FeatureStore": 1,
        "mlops:storage:SecureBucket": 1,
        "aws:glue/catalogDatabase:CatalogDatabase": 1,
        "aws:sagemaker/featureGroup:FeatureGroup": 1,
    },
    "model_registry": {
        "mlops:registry:ModelRegistry": 1,
        "aws:sagemaker/modelPackageGroup:ModelPackageGroup": 1,
        "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": 1,
        "aws:ecr/repository:Repository": 1,
        "aws:sagemaker/mlflowTrackingServer:MlflowTrackingServer": 1,
    },
    "training_cluster": {
        "mlops:training:TrainingCluster": 1,
        "aws:eks/cluster:Cluster": 1,
        "aws:eks/nodeGroup:NodeGroup": 2,
        "mlops:training:TeamNamespace": 1,
    },
    "team_namespace": {
        "mlops:training:TeamNamespace": 1,
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:ResourceQuota": 1,
        "aws:eks/podIdentityAssociation:PodIdentityAssociation": 1,
    },
    "serving_endpoint": {
        "mlops:serving:ServingEndpoint": 1,
        "aws:sagemaker/model:Model": 1,
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration": 1,
        "aws:sagemaker/endpoint:Endpoint": 1,
        "aws:appautoscaling/policy:Policy": 1,
    },
    "monitoring": {
        "mlops:observability:Monitoring": 1,
        "aws:sns/topic:Topic": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 3,
        "aws:cloudwatch/dashboard:Dashboard": 1,
    },
    "gpu_observability": {
        "mlops:monitoring:GpuObservability": 1,
        "kubernetes:helm.sh/v3:Release": 1,
        "aws:amp/workspace:Workspace": 1,
        "aws:amp/scraper:Scraper": 1,
        "aws:amp/ruleGroupNamespace:RuleGroupNamespace": 1,
        "aws:amp/alertManagerDefinition:AlertManagerDefinition": 1,
    },
    "promotion": {
        "mlops:lifecycle:Promotion": 1,
        "aws:cloudwatch/eventConnection:EventConnection": 1,
        "aws:cloudwatch/eventApiDestination:EventApiDestination": 1,
        "aws:cloudwatch/eventRule:EventRule": 1,
        "aws:sqs/queue:Queue": 1,
    },
    "baseline_copy": {
        "mlops:monitoring:BaselineCopy": 1,
        "aws:sfn/stateMachine:StateMachine": 1,
        "aws:cloudwatch/eventRule:EventRule": 1,
        "aws:cloudwatch/eventTarget:EventTarget": 1,
        "aws:cloudwatch/logGroup:LogGroup": 1,
        "aws:sqs/queue:Queue": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
        "aws:iam/role:Role": 2,
    },
    "lifecycle": {
        "mlops:lifecycle:Lifecycle": 1,
        "aws:sagemaker/pipeline:Pipeline": 1,
        "aws:scheduler/schedule:Schedule": 1,
        "aws:sqs/queue:Queue": 1,
        "aws:cloudwatch/eventRule:EventRule": 1,
        "aws:sfn/stateMachine:StateMachine": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 4,
    },
    "ci_access": {
        "mlops:ci:CiAccess": 1,
        "aws:iam/role:Role": 2,
    },
    "ci_cluster_access": {
        "mlops:ci:CiClusterAccess": 1,
        "aws:eks/accessEntry:AccessEntry": 2,
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": 2,
    },
    "ci_runner": {
        "mlops:ci:CiRunner": 1,
        "aws:codebuild/project:Project": 1,
        "aws:codebuild/webhook:Webhook": 1,
        "aws:iam/role:Role": 1,
        "aws:eks/accessEntry:AccessEntry": 0,
    },
}


def run_example(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run `examples/<name>/` as Pulumi runs a program directory; return its registrations
    and the module globals it left behind."""
    scope: dict[str, Any] = {}

    def program() -> None:
        scope.update(runpy.run_path(str(EXAMPLES_DIR / name), run_name="__main__"))

    resources, _ = record_resources(program, stack="example", entries={"aws:region": "eu-west-1"})
    return resources, scope


def test_every_documented_component_has_an_example_and_every_example_is_tested() -> None:
    documented = {example_dir(load(spec)).name for spec in COMPONENTS}
    on_disk = {p.parent.name for p in EXAMPLES_DIR.glob("*/__main__.py")}
    assert documented == on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_registers_its_component_and_key_resources(name: str) -> None:
    resources, _ = run_example(name)
    expected = EXPECTED[name]
    component_type = next(iter(expected))
    counts = Counter(r["type"] for r in resources)
    assert {t: counts[t] for t in expected} == expected

    # Everything else hangs under the example's top-level component.
    (component,) = [r for r in resources if r["type"] == component_type and not r["parent"]]
    parents = {r["urn"]: r["parent"] for r in resources}

    def under_component(urn: str | None) -> bool:
        while urn is not None:
            if urn == component["urn"]:
                return True
            urn = parents.get(urn)
        return False

    stray = [r["urn"] for r in resources if r["custom"] and not under_component(r["urn"])]
    # A Kubernetes provider built by the program itself is the one allowed neighbour.
    assert [u for u in stray if "pulumi:providers:kubernetes" not in u] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_component_sets_every_documented_output(name: str) -> None:
    _, scope = run_example(name)
    (component,) = [v for v in scope.values() if isinstance(v, pulumi.ComponentResource)]
    outputs = [n for n in inspect.get_annotations(type(component)) if not n.startswith("_")]
    assert outputs
    missing = [n for n in outputs if not hasattr(component, n)]
    assert missing == []


def test_examples_are_self_describing() -> None:
    for main in sorted(EXAMPLES_DIR.glob("*/__main__.py")):
        docstring = inspect.cleandoc(Path(main).read_text(encoding="utf-8").split('"""')[1])
        assert docstring.splitlines()[0].strip(), main
