"""`mlops-platform preflight STACK` against moto.

moto answers STS, S3, ECR, EKS and SageMaker model packages (create, approve, describe: no
stub needed for the model-version checks), but implements Service Quotas only for the `vpc`
service, so the EC2 and SageMaker quota answers are stubbed with botocore's Stubber (each
test says which). moto lacks EKS DescribeClusterVersions/DescribeAddonVersions, which lets the
tests see the plainly labelled fallback; the real API's answer is stubbed where shown.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.cli import main
from infra.config import load_stack_file
from infra.ops.aws import Aws, AwsOptions
from infra.ops.naming import stack_bucket_name, stack_bucket_names, stack_marker_role
from infra.ops.preflight import endpoint_instance_demand, gpu_vcpu_demand, run_preflight
from infra.ops.report import Status
from tests.helpers import current_kubernetes_version

from .conftest import ACCOUNT, REGION, stack_file

VERSION = current_kubernetes_version()
TRAINING = {
    "kubernetesVersion": VERSION,
    "nodeGroups": [
        {
            "name": "system",
            "kind": "system",
            "instanceTypes": ["m6i.large"],
            "min": 2,
            "desired": 2,
            "max": 3,
        },
        # Counted at its largest type: 4 x g5.4xlarge = 64 vCPUs.
        {"name": "gpu", "kind": "gpu", "instanceTypes": ["g5.2xlarge", "g5.4xlarge"], "max": 4},
        {
            "name": "gpu-spot",
            "kind": "gpu",
            "instanceTypes": ["g5.xlarge"],
            "capacity": "spot",
            "max": 2,
        },
    ],
}
REGISTRY = {"models": [{"name": "fraud"}], "images": [{"name": "fraud-serving"}]}
SERVING = {
    "endpoints": [
        {
            "name": "fraud",
            "model": "fraud",
            "image": "fraud-serving",
            "instanceType": "ml.g5.xlarge",
            "maxInstances": 3,
        },
        {
            "name": "fraud-shadow",
            "model": "fraud",
            "image": "fraud-serving",
            "instanceType": "ml.g5.xlarge",
            "maxInstances": 2,
        },
        {"name": "batch", "model": "fraud", "image": "fraud-serving", "serverless": {}},
    ]
}


@pytest.fixture
def gpu_stack(tmp_path: Path) -> Path:
    return stack_file(tmp_path, training=TRAINING, registry=REGISTRY, serving=SERVING)


@pytest.fixture
def autoscaling_role(moto: None) -> None:
    """The account has used Auto Scaling before: its service-linked role exists."""
    boto3.client("iam").create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")


def _quota(code: str, value: float, name: str = "") -> dict[str, Any]:
    return {"Quota": {"ServiceCode": "ec2", "QuotaCode": code, "QuotaName": name, "Value": value}}


def stub_quotas(stub: Any, on_demand_g: float, spot_g: float, endpoint_g5: float) -> Any:
    """Service Quotas answers (stubbed: moto has no ec2/sagemaker quotas)."""
    quotas = stub("service-quotas")
    quotas.add_response(
        "get_service_quota",
        _quota("L-DB2E81BA", on_demand_g),
        {"ServiceCode": "ec2", "QuotaCode": "L-DB2E81BA"},
    )
    # No applied value for spot: preflight falls back to the AWS default.
    quotas.add_client_error(
        "get_service_quota",
        service_error_code="NoSuchResourceException",
        http_status_code=400,
        expected_params={"ServiceCode": "ec2", "QuotaCode": "L-3819A6DF"},
    )
    quotas.add_response(
        "get_aws_default_service_quota",
        _quota("L-3819A6DF", spot_g),
        {"ServiceCode": "ec2", "QuotaCode": "L-3819A6DF"},
    )
    name = "ml.g5.xlarge for endpoint usage"
    quotas.add_response(
        "list_aws_default_service_quotas",
        {"Quotas": [{"QuotaName": name, "Value": 0.0}, {"QuotaName": "other", "Value": 1.0}]},
        {"ServiceCode": "sagemaker"},
    )
    quotas.add_response(
        "list_service_quotas",
        {"Quotas": [{"QuotaName": name, "Value": endpoint_g5}]},
        {"ServiceCode": "sagemaker"},
    )
    return quotas


def _row(out: str, text: str) -> str:
    rows = [line for line in out.splitlines() if text in line]
    assert rows, f"no row with {text!r} in:\n{out}"
    return rows[0]


def test_demand_counts_max_nodes_times_largest_type(gpu_stack: Path) -> None:
    config = load_stack_file(gpu_stack)
    demand = gpu_vcpu_demand(config)
    assert {k: v.vcpus for k, v in demand.items()} == {
        ("G and VT", "onDemand"): 64,
        ("G and VT", "spot"): 8,
    }
    # Blue/green: 3 + 2 instances at their max, each with a green fleet beside it.
    assert endpoint_instance_demand(config)["ml.g5.xlarge"] == (
        10,
        ["fraud: 3 blue + 3 green", "fraud-shadow: 2 blue + 2 green"],
    )
    assert list(endpoint_instance_demand(config)) == ["ml.g5.xlarge"]  # serverless excluded


def test_bucket_naming_is_one_function() -> None:
    assert stack_bucket_name("dev", "features", ACCOUNT) == f"mlops-dev-features-{ACCOUNT}"
    assert stack_bucket_names("prod", ACCOUNT) == [
        f"mlops-prod-features-{ACCOUNT}",
        f"mlops-prod-artifacts-{ACCOUNT}",
    ]


def test_passes_when_quotas_cover_the_stack(
    autoscaling_role: None, stub: Any, gpu_stack: Path, capsys: Any
) -> None:
    quotas = stub_quotas(stub, on_demand_g=64, spot_g=8, endpoint_g5=10)
    assert main(["preflight", "dev", "--config", str(gpu_stack)]) == 0
    out = capsys.readouterr().out
    quotas.assert_no_pending_responses()
    assert "pass" in _row(out, "L-DB2E81BA") and "needs 64 vCPUs" in _row(out, "L-DB2E81BA")
    assert "quota 8" in _row(out, "L-3819A6DF")
    assert "needs 10 instances during a blue/green update" in _row(
        out, "ml.g5.xlarge for endpoint usage"
    )
    assert "free" in _row(out, f"mlops-dev-features-{ACCOUNT}")
    assert "free" in _row(out, f"mlops-dev-artifacts-{ACCOUNT}")
    assert "preflight passed" in out


def test_insufficient_gpu_quota_fails(
    autoscaling_role: None, stub: Any, gpu_stack: Path, capsys: Any
) -> None:
    stub_quotas(stub, on_demand_g=32, spot_g=8, endpoint_g5=10)
    assert main(["preflight", "dev", "--config", str(gpu_stack)]) == 1
    out = capsys.readouterr().out
    row = _row(out, "L-DB2E81BA")
    assert "FAIL" in row and "needs 64 vCPUs" in row and "quota 32" in row
    assert "pass" in _row(out, "L-3819A6DF")
    assert "preflight failed: 1 check(s) failed" in out


def test_insufficient_endpoint_quota_fails(
    moto: None, stub: Any, gpu_stack: Path, capsys: Any
) -> None:
    """A quota that covers the endpoints at their max (5) but not a green fleet beside them."""
    stub_quotas(stub, on_demand_g=64, spot_g=8, endpoint_g5=9)
    assert main(["preflight", "dev", "--config", str(gpu_stack)]) == 1
    row = _row(capsys.readouterr().out, "ml.g5.xlarge for endpoint usage")
    assert "FAIL" in row and "quota 9" in row
    assert "needs 10 instances during a blue/green update (fraud: 3 blue + 3 green; " in row


def test_eks_version_fallback_is_said_plainly(
    autoscaling_role: None, stub: Any, gpu_stack: Path, capsys: Any
) -> None:
    stub_quotas(stub, on_demand_g=64, spot_g=8, endpoint_g5=10)
    assert main(["preflight", "dev", "--config", str(gpu_stack)]) == 0
    row = _row(capsys.readouterr().out, f"EKS version {VERSION}")
    assert "warn" in row
    assert "EKS did not answer" in row and "EKS calendar has" in row and "standard support" in row


def test_unknown_eks_version_fails_even_on_fallback(moto: None, tmp_path: Path) -> None:
    config = load_stack_file(stack_file(tmp_path))
    # Set after validation, so the test keeps working whatever versions the schema allows.
    config.training.kubernetes_version = "1.19"
    report = run_preflight(Aws(AwsOptions(region=REGION)), "dev", config)
    row = next(r for r in report.rows if r.check == "EKS version 1.19")
    assert row.status is Status.FAIL and "EKS calendar has no support for 1.19" in row.detail


@pytest.mark.parametrize(
    ("version_status", "expected", "exit_code"),
    [("STANDARD_SUPPORT", "pass", 0), ("EXTENDED_SUPPORT", "warn", 0), ("UNSUPPORTED", "FAIL", 1)],
)
def test_eks_version_from_describe_cluster_versions(
    moto: None,
    stub: Any,
    tmp_path: Path,
    capsys: Any,
    version_status: str,
    expected: str,
    exit_code: int,
) -> None:
    """DescribeClusterVersions is stubbed (moto lacks it)."""
    eks = stub("eks")
    eks.add_response(
        "describe_cluster_versions",
        {
            "clusterVersions": [
                {
                    "clusterVersion": VERSION,
                    "versionStatus": version_status,
                    "endOfStandardSupportDate": dt.datetime(2026, 7, 29),
                }
            ]
        },
        {"clusterVersions": [VERSION], "includeAll": True},
    )
    path = stack_file(tmp_path, training={"kubernetesVersion": VERSION})
    assert main(["preflight", "dev", "--config", str(path)]) == exit_code
    assert expected in _row(capsys.readouterr().out, f"EKS version {VERSION}")


def test_bucket_name_taken_by_another_account_fails(
    moto: None, stub: Any, tmp_path: Path, capsys: Any
) -> None:
    """S3 HeadBucket is stubbed: moto cannot show another account's bucket as 403."""
    s3 = stub("s3")
    s3.add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    s3.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "taken by another account" in _row(out, f"mlops-dev-features-{ACCOUNT}")
    assert "free" in _row(out, f"mlops-dev-artifacts-{ACCOUNT}")


def _deployed_stack_role(stack: str = "dev") -> None:
    """The role a deployed stack has (and `pulumi destroy` deletes)."""
    boto3.client("iam").create_role(
        RoleName=stack_marker_role(stack), AssumeRolePolicyDocument=json.dumps({})
    )


def test_bucket_already_ours_passes(moto: None, tmp_path: Path, capsys: Any) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=f"mlops-dev-features-{ACCOUNT}",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    _deployed_stack_role()
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 0
    assert "exists in this account (deployed before)" in _row(capsys.readouterr().out, "features")


def test_bucket_kept_from_a_destroyed_stack_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    """Buckets are retained on delete: after `pulumi destroy` the bucket stays, the stack's
    roles go, and the next `pulumi up` would fail to create the bucket."""
    bucket = f"mlops-dev-features-{ACCOUNT}"
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    row = _row(capsys.readouterr().out, "features")
    assert "FAIL" in row
    assert (
        "exists in this account, but stack 'dev' is not deployed (no IAM role "
        "mlops-dev-feature-store): it was kept when the stack was destroyed" in row
    )
    assert "pulumi import aws:s3/bucket:Bucket" in row and f"aws s3 rb s3://{bucket} --force" in row


def test_bucket_in_another_region_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    bucket = f"mlops-dev-artifacts-{ACCOUNT}"
    boto3.client("s3", region_name="us-west-2").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    _deployed_stack_role()
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    row = _row(capsys.readouterr().out, "artifacts")
    assert "FAIL" in row
    assert (
        f"exists in us-west-2, but the stack creates it in {REGION} and S3 bucket names are "
        f"global: copy its data out and delete it there (aws s3 rb s3://{bucket} --region "
        "us-west-2), or deploy the stack to us-west-2" in row
    )


def test_bucket_redirect_names_the_other_region(
    moto: None, stub: Any, tmp_path: Path, capsys: Any
) -> None:
    """HeadBucket answers 301 with the bucket's region when the client does not follow it
    (stubbed: moto answers the redirect itself)."""
    s3 = stub("s3")
    s3.add_client_error(
        "head_bucket",
        service_error_code="301",
        http_status_code=301,
        response_meta={"HTTPHeaders": {"x-amz-bucket-region": "ap-southeast-2"}},
    )
    s3.add_client_error("head_bucket", service_error_code="404", http_status_code=404)
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    row = _row(capsys.readouterr().out, "features")
    assert "FAIL" in row and "exists in ap-southeast-2, but the stack creates it in" in row


def test_region_mismatch_fails(
    moto: None, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    row = _row(capsys.readouterr().out, "region")
    assert "FAIL" in row and "us-east-1" in row and "AWS_REGION=eu-west-1" in row


def test_account_mismatch_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    path = str(stack_file(tmp_path))
    assert main(["preflight", "dev", "--config", path, "--account", "111122223333"]) == 1
    row = _row(capsys.readouterr().out, "caller account")
    assert "FAIL" in row and ACCOUNT in row and "111122223333" in row
    assert main(["preflight", "dev", "--config", path, "--account", ACCOUNT]) == 0


def test_stack_without_gpus_or_endpoints_skips_quota_checks(
    moto: None, tmp_path: Path, capsys: Any
) -> None:
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "skip" in _row(out, "EC2 GPU quotas")
    assert "skip" in _row(out, "SageMaker endpoint quotas")


def test_bad_config_exits_2(tmp_path: Path, capsys: Any) -> None:
    path = stack_file(tmp_path, training={"typo": True})
    assert main(["preflight", "dev", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "training.typo" in err


def test_bad_account_flag_exits_2(capsys: Any) -> None:
    assert main(["preflight", "dev", "--account", "12"]) == 2
    assert "12-digit" in capsys.readouterr().err


# -- pinned model versions (moto implements SageMaker model packages) --------------------------

IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/mlops-dev/fraud-serving@sha256:" + "ab" * 32
ARTIFACTS = f"s3://mlops-dev-artifacts-{ACCOUNT}/models/fraud/"


def _pinned_stack(tmp_path: Path, **pin: Any) -> Path:
    endpoint = {"name": "fraud", "model": "fraud", "image": "fraud-serving", "serverless": {}}
    return stack_file(tmp_path, registry=REGISTRY, serving={"endpoints": [{**endpoint, **pin}]})


def _register(status: str, image: str = IMAGE, group: str = "mlops-dev-fraud") -> str:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    if group not in [
        g["ModelPackageGroupName"]
        for g in sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"]
    ]:
        sagemaker.create_model_package_group(ModelPackageGroupName=group)
    return sagemaker.create_model_package(
        ModelPackageGroupName=group,
        InferenceSpecification={
            "Containers": [{"Image": image, "ModelDataUrl": f"{ARTIFACTS}v1/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        ModelApprovalStatus=status,
    )["ModelPackageArn"]


def test_approved_pinned_version_passes(moto: None, tmp_path: Path, capsys: Any) -> None:
    arn = _register("Approved")
    assert arn.endswith(":model-package/mlops-dev-fraud/1")
    main(["preflight", "dev", "--config", str(_pinned_stack(tmp_path, modelPackageVersion=1))])
    row = _row(capsys.readouterr().out, "model fraud v1 (fraud)")
    assert "pass" in row and f"{arn} is Approved" in row


def test_pinned_version_not_approved_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    _register("PendingManualApproval")
    path = _pinned_stack(tmp_path, modelPackageVersion=1)
    assert main(["preflight", "dev", "--config", str(path)]) == 1
    row = _row(capsys.readouterr().out, "model fraud v1 (fraud)")
    assert "FAIL" in row and "is PendingManualApproval, not Approved" in row
    assert "--model-approval-status Approved" in row


def test_pinned_version_that_does_not_exist_fails(moto: None, tmp_path: Path, capsys: Any) -> None:
    _register("Approved")  # version 1 exists, 2 does not
    path = _pinned_stack(tmp_path, modelPackageVersion=2)
    assert main(["preflight", "dev", "--config", str(path)]) == 1
    row = _row(capsys.readouterr().out, "model fraud v2 (fraud)")
    assert "FAIL" in row and "model-package/mlops-dev-fraud/2 does not exist" in row


def test_version_running_another_repositorys_image_fails(
    moto: None, tmp_path: Path, capsys: Any
) -> None:
    _register("Approved", image=IMAGE.replace("fraud-serving", "other"))
    path = _pinned_stack(tmp_path, modelPackageVersion=1)
    assert main(["preflight", "dev", "--config", str(path)]) == 1
    row = _row(capsys.readouterr().out, "model fraud v1 (fraud)")
    assert "FAIL" in row and "may pull only its image 'fraud-serving'" in row


def test_endpoint_without_a_version_is_reported_as_waiting(
    moto: None, tmp_path: Path, capsys: Any
) -> None:
    main(["preflight", "dev", "--config", str(_pinned_stack(tmp_path))])
    row = _row(capsys.readouterr().out, "model of endpoint fraud")
    assert "skip" in row and "declared, not deployed" in row


def test_pinned_artifact_and_digest_must_exist(moto: None, tmp_path: Path, capsys: Any) -> None:
    digest = "sha256:" + "cd" * 32
    url = f"{ARTIFACTS}2026-11-30/model.tar.gz"
    path = _pinned_stack(tmp_path, modelDataUrl=url, imageDigest=digest)
    assert main(["preflight", "dev", "--config", str(path)]) == 1
    assert "FAIL" in _row(capsys.readouterr().out, "model artifact (fraud)")
    s3 = boto3.client("s3", region_name=REGION)
    bucket = f"mlops-dev-artifacts-{ACCOUNT}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="models/fraud/2026-11-30/model.tar.gz", Body=b"x")
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="mlops-dev/fraud-serving")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "m", "config": {}, "layers": []})
    pushed = ecr.put_image(
        repositoryName="mlops-dev/fraud-serving", imageManifest=manifest, imageTag="1.0.0"
    )["image"]["imageId"]["imageDigest"]
    path = _pinned_stack(tmp_path, modelDataUrl=url, imageDigest=pushed)
    main(["preflight", "dev", "--config", str(path)])
    row = _row(capsys.readouterr().out, "model artifact (fraud)")
    assert "pass" in row and f"@{pushed} exist" in row


def test_marker_role_is_one_the_program_creates(shipped_plan: Any) -> None:
    """The role preflight looks for is the feature store's, which every stack has."""
    roles = {
        r["inputs"].get("name")
        for r in shipped_plan("dev").resources
        if r["type"] == "aws:iam/role:Role"
    }
    assert stack_marker_role("dev") in roles


def test_an_unreadable_stack_state_is_not_mistaken_for_another_account(
    moto: None, tmp_path: Path, capsys: Any, mocker: Any
) -> None:
    """The bucket is ours (HeadBucket answered); IAM refusing GetRole must not read as
    'taken by another account'."""
    from botocore.exceptions import ClientError

    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=f"mlops-dev-features-{ACCOUNT}",
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if service == "iam" and not getattr(made, "_denied", False):

            def deny(**_: Any) -> None:
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetRole")

            made.meta.events.register("before-call.iam.GetRole", deny)
            made._denied = True
        return made

    mocker.patch.object(Aws, "client", client)
    assert main(["preflight", "dev", "--config", str(stack_file(tmp_path))]) == 1
    row = _row(capsys.readouterr().out, "features")
    assert "FAIL" in row and "taken by another account" not in row
    assert "exists in this account, but its region or the stack's state cannot be read" in row
