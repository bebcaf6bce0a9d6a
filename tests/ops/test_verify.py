"""`mlops-platform verify STACK` against a platform built with boto3 in moto.

moto implements every API verify calls (EKS, SageMaker feature groups, model package
groups and endpoints, CloudWatch, SNS, S3), so the passing and failing runs use real moto
resources. Only an endpoint in the Failed state, which moto never produces, is stubbed
with botocore's Stubber, as is the `pulumi` CLI (not installed here) via pytest-mock.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.cli import main

from .conftest import ACCOUNT, REGION

ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform"
CLUSTER = "mlops-dev"
NODE_GROUPS = ["mlops-dev-system", "mlops-dev-gpu"]
FEATURE_GROUP = "mlops-dev-customer-profile"
MODEL_GROUP = "mlops-dev-fraud-detector"
ENDPOINT = "mlops-dev-fraud"
ALARMS = ["mlops-dev-fraud-5xx", "mlops-dev-fraud-latency"]
BUCKETS = [f"mlops-dev-features-{ACCOUNT}", f"mlops-dev-artifacts-{ACCOUNT}"]


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def build_platform() -> dict[str, Any]:
    """Create what `pulumi up` would have, and return the stack outputs naming it."""
    eks = _client("eks")
    eks.create_cluster(
        name=CLUSTER,
        version="1.33",
        roleArn=ROLE,
        resourcesVpcConfig={"subnetIds": ["subnet-1", "subnet-2"]},
    )
    for group in NODE_GROUPS:
        eks.create_nodegroup(
            clusterName=CLUSTER, nodegroupName=group, nodeRole=ROLE, subnets=["subnet-1"]
        )

    sagemaker = _client("sagemaker")
    sagemaker.create_feature_group(
        FeatureGroupName=FEATURE_GROUP,
        RecordIdentifierFeatureName="customer_id",
        EventTimeFeatureName="event_time",
        FeatureDefinitions=[
            {"FeatureName": "customer_id", "FeatureType": "String"},
            {"FeatureName": "event_time", "FeatureType": "String"},
        ],
        OfflineStoreConfig={"S3StorageConfig": {"S3Uri": f"s3://{BUCKETS[0]}/offline"}},
        RoleArn=ROLE,
    )
    sagemaker.create_model_package_group(ModelPackageGroupName=MODEL_GROUP)
    sagemaker.create_model(
        ModelName="fraud-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/fraud:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="fraud-config",
        ProductionVariants=[
            {
                "VariantName": "primary",
                "ModelName": "fraud-model",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.c5.xlarge",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="fraud-config")

    kms_key = _client("kms").create_key()["KeyMetadata"]["Arn"]
    topic = _client("sns").create_topic(
        Name="mlops-dev-alerts", Attributes={"KmsMasterKeyId": kms_key}
    )["TopicArn"]
    cloudwatch = _client("cloudwatch")
    for alarm in ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=alarm,
            Namespace="AWS/SageMaker",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )

    s3 = _client("s3")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": kms_key,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        )
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
    return {
        "kmsKeyArn": kms_key,
        "eksClusterName": CLUSTER,
        "eksNodeGroupNames": NODE_GROUPS,
        "featureGroupNames": [FEATURE_GROUP],
        "modelPackageGroupNames": [MODEL_GROUP],
        "endpointNames": [ENDPOINT],
        "alarmNames": ALARMS,
        "alertTopicArn": topic,
        "featureStoreBucketName": BUCKETS[0],
        "artifactBucketName": BUCKETS[1],
        "bucketNames": BUCKETS,
    }


def write_outputs(tmp_path: Path, outputs: dict[str, Any]) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs), encoding="utf-8")
    return str(path)


def rows(out: str) -> dict[str, str]:
    """Table rows keyed by their check name."""
    found = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) >= 5 and cells[1]:
            found[cells[1]] = f"{cells[2]} {cells[3]}"
    return found


def test_healthy_platform_passes(moto: None, tmp_path: Path, capsys: Any) -> None:
    outputs = write_outputs(tmp_path, build_platform())
    assert main(["verify", "dev", "--outputs", outputs]) == 0
    out = capsys.readouterr().out
    table = rows(out)
    expected = [
        "KMS key",
        f"EKS cluster {CLUSTER}",
        *(f"EKS node group {g}" for g in NODE_GROUPS),
        f"feature group {FEATURE_GROUP}",
        f"model package group {MODEL_GROUP}",
        f"endpoint {ENDPOINT}",
        "alert topic",
        *(f"alarm {a}" for a in ALARMS),
        *(f"bucket {b}" for b in BUCKETS),
    ]
    for check in expected:
        assert table[check].startswith("pass"), (check, table.get(check))
    # Buckets named by several outputs are checked once.
    assert sum(1 for check in table if check.startswith("bucket ")) == 2
    assert "verify passed: 12 check(s), 0 skipped" in out


def test_broken_platform_fails_on_exactly_what_is_broken(
    moto: None, tmp_path: Path, capsys: Any
) -> None:
    outputs = build_platform()
    outputs["endpointNames"] = [ENDPOINT, "mlops-dev-ghost"]
    outputs["eksNodeGroupNames"] = [*NODE_GROUPS, "mlops-dev-deleted"]
    _client("s3").delete_public_access_block(Bucket=BUCKETS[1])
    _client("s3").delete_bucket_encryption(Bucket=BUCKETS[0])
    cloudwatch = _client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=ALARMS[1],
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[],
    )
    outputs["alarmNames"] = [*ALARMS, "mlops-dev-missing"]

    assert main(["verify", "dev", "--outputs", write_outputs(tmp_path, outputs)]) == 1
    out = capsys.readouterr().out
    table = rows(out)
    failing = {check for check, text in table.items() if text.startswith("FAIL")}
    assert failing == {
        "endpoint mlops-dev-ghost",
        "EKS node group mlops-dev-deleted",
        f"bucket {BUCKETS[0]}",
        f"bucket {BUCKETS[1]}",
        f"alarm {ALARMS[1]}",
        "alarm mlops-dev-missing",
    }
    assert "not found" in table["endpoint mlops-dev-ghost"]
    assert "not aws:kms" in table[f"bucket {BUCKETS[0]}"]
    assert "not fully blocked" in table[f"bucket {BUCKETS[1]}"]
    assert "omit alertTopicArn" in table[f"alarm {ALARMS[1]}"]
    assert "verify failed: 6 of" in out


def test_endpoint_not_in_service_fails(moto: None, stub: Any, tmp_path: Path, capsys: Any) -> None:
    """DescribeEndpoint is stubbed: moto endpoints are always InService."""
    sagemaker = stub("sagemaker")
    sagemaker.add_response(
        "describe_endpoint",
        {
            "EndpointName": ENDPOINT,
            "EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{ENDPOINT}",
            "EndpointStatus": "Failed",
            "FailureReason": "image pull failed",
            "CreationTime": "2026-01-01T00:00:00Z",
            "LastModifiedTime": "2026-01-01T00:00:00Z",
        },
        {"EndpointName": ENDPOINT},
    )
    outputs = write_outputs(tmp_path, {"endpointNames": [ENDPOINT]})
    assert main(["verify", "dev", "--outputs", outputs]) == 1
    row = rows(capsys.readouterr().out)[f"endpoint {ENDPOINT}"]
    assert row.startswith("FAIL") and "Failed: image pull failed" in row


def test_missing_outputs_are_skipped_not_failed(moto: None, tmp_path: Path, capsys: Any) -> None:
    outputs = build_platform()
    kept = {"bucketNames": outputs["bucketNames"]}
    assert main(["verify", "dev", "--outputs", write_outputs(tmp_path, kept)]) == 0
    out = capsys.readouterr().out
    table = rows(out)
    for output in ("eksClusterName", "featureGroupNames", "endpointNames", "alarmNames"):
        assert table[f"output {output}"].startswith("skip"), output
    assert "verify passed: 2 check(s)" in out


def test_outputs_from_pulumi_cli(moto: None, mocker: Any, capsys: Any) -> None:
    """The pulumi CLI is not installed here: subprocess.run is replaced with pytest-mock."""
    outputs = build_platform()
    run = mocker.patch(
        "infra.ops.verify.subprocess.run",
        return_value=subprocess.CompletedProcess([], 0, stdout=json.dumps(outputs), stderr=""),
    )
    assert main(["verify", "dev"]) == 0
    command = run.call_args.args[0]
    assert command == ["pulumi", "stack", "output", "--json", "--show-secrets", "-s", "dev"]
    assert "verify passed" in capsys.readouterr().out


def test_pulumi_cli_missing_or_failing_is_one_line(mocker: Any, capsys: Any) -> None:
    mocker.patch("infra.ops.verify.subprocess.run", side_effect=FileNotFoundError("pulumi"))
    assert main(["verify", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass --outputs FILE" in err

    mocker.patch(
        "infra.ops.verify.subprocess.run",
        return_value=subprocess.CompletedProcess(
            [], 255, stdout="", stderr="error: no stack named 'dev' found\n"
        ),
    )
    assert main(["verify", "dev"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no stack named 'dev' found" in err


@pytest.mark.parametrize(("content", "message"), [("{not json", "not JSON"), ("[1]", "object")])
def test_bad_outputs_file_exits_2(tmp_path: Path, capsys: Any, content: str, message: str) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(content, encoding="utf-8")
    assert main(["verify", "dev", "--outputs", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_missing_cluster_group_and_topic_fail(moto: None, tmp_path: Path, capsys: Any) -> None:
    outputs = {
        "eksClusterName": "mlops-dev-gone",
        "eksNodeGroupNames": ["system"],
        "modelPackageGroupNames": ["mlops-dev-gone"],
        "alertTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:gone",
    }
    assert main(["verify", "dev", "--outputs", write_outputs(tmp_path, outputs)]) == 1
    table = rows(capsys.readouterr().out)
    for check in (
        "EKS cluster mlops-dev-gone",
        "EKS node group system",
        "model package group mlops-dev-gone",
        "alert topic",
    ):
        assert table[check] == "FAIL not found", check


def test_missing_feature_group_fails(moto: None, stub: Any, tmp_path: Path, capsys: Any) -> None:
    """DescribeFeatureGroup is stubbed: for an unknown group moto raises a KeyError
    instead of AWS's ResourceNotFound."""
    sagemaker = stub("sagemaker")
    sagemaker.add_client_error(
        "describe_feature_group",
        service_error_code="ResourceNotFound",
        service_message="Resource Not Found: FeatureGroup gone",
        http_status_code=400,
        expected_params={"FeatureGroupName": "gone"},
    )
    outputs = write_outputs(tmp_path, {"featureGroupNames": ["gone"]})
    assert main(["verify", "dev", "--outputs", outputs]) == 1
    assert rows(capsys.readouterr().out)["feature group gone"] == "FAIL not found"


def test_key_pending_deletion_or_disabled_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    outputs = build_platform()
    kms = _client("kms")
    key_id = outputs["kmsKeyArn"].rsplit("/", 1)[1]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert main(["verify", "dev", "--outputs", write_outputs(tmp_path, outputs)]) == 1
    row = rows(capsys.readouterr().out)["KMS key"]
    assert row.startswith("FAIL") and "is PendingDeletion: cancel the deletion" in row

    kms.cancel_key_deletion(KeyId=key_id)
    kms.disable_key(KeyId=key_id)
    assert main(["verify", "dev", "--outputs", write_outputs(tmp_path, outputs)]) == 1
    row = rows(capsys.readouterr().out)["KMS key"]
    assert row.startswith("FAIL") and "is Disabled: enable it" in row
