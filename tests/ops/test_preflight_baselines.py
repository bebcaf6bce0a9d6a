"""Preflight: every monitored endpoint's data-quality baseline exists (moto S3)."""

from __future__ import annotations

from pathlib import Path

import boto3

from infra.config import load_stack_file
from infra.ops.aws import Aws, AwsOptions
from infra.ops.naming import stack_bucket_name
from infra.ops.preflight import _check_baselines
from infra.ops.report import Report, Status

from .conftest import ACCOUNT, REGION, stack_file

REGISTRY = {"models": [{"name": "fraud"}], "images": [{"name": "fraud-serving"}]}


def _serving(**endpoint: object) -> dict[str, object]:
    base = {"name": "fraud", "model": "fraud", "image": "fraud-serving"}
    return {"endpoints": [{**base, "instanceType": "ml.m5.large", **endpoint}]}


def _check(tmp_path: Path, serving: dict[str, object]) -> Report:
    config = load_stack_file(stack_file(tmp_path, registry=REGISTRY, serving=serving))
    report = Report("preflight")
    _check_baselines(Aws(AwsOptions(region=REGION)), report, "dev", config, ACCOUNT)
    return report


def _bucket() -> str:
    bucket = stack_bucket_name("dev", "artifacts", ACCOUNT)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


def test_missing_baseline_fails_with_how_to_produce_it(tmp_path: Path, moto: None) -> None:
    bucket = _bucket()
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bucket, Key="baselines/fraud/4/statistics.json", Body=b"{}"
    )
    report = _check(tmp_path, _serving(modelPackageVersion=4, dataCapturePercent=10))
    (row,) = report.rows
    assert row.status == Status.FAIL
    assert f"s3://{bucket}/baselines/fraud/4/ lacks constraints.json" in row.detail
    assert "DriftCheckBaselines" in row.detail and "suggest_baseline" in row.detail


def test_present_baseline_passes(tmp_path: Path, moto: None) -> None:
    bucket = _bucket()
    s3 = boto3.client("s3", region_name=REGION)
    for name in ("statistics.json", "constraints.json"):
        s3.put_object(Bucket=bucket, Key=f"baselines/fraud/4/{name}", Body=b"{}")
    report = _check(tmp_path, _serving(modelPackageVersion=4, dataCapturePercent=10))
    assert [r.status for r in report.rows] == [Status.PASS]


def test_artifact_pinned_endpoint_looks_next_to_its_artifact(tmp_path: Path, moto: None) -> None:
    bucket = _bucket()
    url = f"s3://{bucket}/models/fraud/2026-11-02/model.tar.gz"
    serving = _serving(modelDataUrl=url, imageDigest="sha256:" + "a" * 64, dataCapturePercent=5)
    (row,) = _check(tmp_path, serving).rows
    assert f"s3://{bucket}/models/fraud/2026-11-02/baseline/ lacks" in row.detail


def test_nothing_to_check_without_capture_or_version(tmp_path: Path, moto: None) -> None:
    _bucket()
    assert _check(tmp_path, _serving(modelPackageVersion=4)).rows == []
    assert _check(tmp_path, _serving(dataCapturePercent=10)).rows == []
