"""AWS failures end each command with one clear line (exit 2), never a traceback.

Throttling is produced by a botocore `before-send` hook that answers the first attempts
with a real Throttling error response, so botocore's own retry handler (standard mode,
exponential backoff) is what retries; its sleeps are recorded instead of slept. Access
denied and wrong-region answers are stubbed with botocore's Stubber, since moto allows
every call and serves every region.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from infra.cli import main
from infra.ops.aws import Aws, AwsError, AwsOptions, describe_error, is_fatal
from infra.ops.bootstrap import run_bootstrap

from .conftest import REGION, stack_file

THROTTLED = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
    b"<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
    b"</Error><RequestId>1</RequestId></ErrorResponse>"
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def throttle(client: Any, operation: str, times: int) -> list[int]:
    """Answer the first `times` attempts of `operation` with Throttling; count attempts."""
    attempts: list[int] = []

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        attempts.append(1)
        if len(attempts) <= times:
            return AWSResponse(request.url, 400, {}, _Raw(THROTTLED))
        return None  # let the call through to moto

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"before-send.{service}.{operation}", handler)
    return attempts


@pytest.fixture
def sleeps(mocker: Any) -> list[float]:
    recorded: list[float] = []
    mocker.patch("botocore.endpoint.time.sleep", side_effect=recorded.append)
    return recorded


@pytest.fixture
def closed_endpoint(monkeypatch: pytest.MonkeyPatch) -> str:
    """An AWS_ENDPOINT_URL on which nothing listens: nothing can leave the machine."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    return url


def _one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


COMMANDS = [
    ["bootstrap", "--bucket", "team-state"],
    ["preflight", "dev"],
    ["verify", "dev", "--outputs", "{outputs}"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=["bootstrap", "preflight", "verify"])
def test_no_credentials(
    argv: list[str],
    tmp_path: Path,
    capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
    closed_endpoint: str,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"bucketNames": ["x-bucket"]}', encoding="utf-8")
    argv = [a.replace("{outputs}", str(outputs)) for a in argv]
    assert main(argv) == 2
    err = _one_line(capsys.readouterr().err)
    assert err.startswith("error: no AWS credentials found")
    assert "AWS_PROFILE" in err


def test_no_region(capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert main(["bootstrap", "--bucket", "team-state"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "no AWS region configured: pass --region or set AWS_REGION" in err


def test_aws_region_is_honoured_like_the_aws_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    # boto3 itself reads only AWS_DEFAULT_REGION; AWS_REGION (CLI v2, Pulumi) wins over it.
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    assert Aws(AwsOptions()).region == "us-west-2"
    assert Aws(AwsOptions(region="eu-central-1")).region == "eu-central-1"
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    assert Aws(AwsOptions()).client("s3").meta.region_name == "us-west-2"


def test_unreachable_endpoint(closed_endpoint: str, capsys: Any, sleeps: list[float]) -> None:
    assert main(["bootstrap", "--bucket", "team-state", "--max-attempts", "2"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert f"cannot reach {closed_endpoint}" in err and "AWS_ENDPOINT_URL" in err
    assert len(sleeps) == 1  # connection errors are retried too, with backoff


def test_throttling_is_retried_with_backoff(moto: None, sleeps: list[float]) -> None:
    aws = Aws(AwsOptions(region=REGION, max_attempts=5))
    attempts = throttle(aws.client("sts"), "GetCallerIdentity", times=3)
    assert aws.caller_account() == "123456789012"
    assert len(attempts) == 4
    assert len(sleeps) == 3 and all(delay >= 0 for delay in sleeps)


def test_throttling_that_outlasts_retries_is_one_line(
    moto: None, sleeps: list[float], capsys: Any, mocker: Any
) -> None:
    original = Aws.client
    seen: list[list[int]] = []

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if service == "sts" and not seen:
            seen.append(throttle(made, "GetCallerIdentity", times=100))
        return made

    mocker.patch.object(Aws, "client", client)
    assert main(["preflight", "dev", "--max-attempts", "3"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "AWS throttled GetCallerIdentity (Throttling) and 3 attempt(s)" in err
    assert "--retry-mode adaptive" in err
    assert len(seen[0]) == 3 and len(sleeps) == 2


def test_retry_settings_reach_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    aws = Aws(AwsOptions(region=REGION, retry_mode="adaptive", max_attempts=3))
    assert aws.config.retries == {"mode": "adaptive", "total_max_attempts": 3}
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "11")
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    from infra.ops.aws import _env_max_attempts, _env_retry_mode

    assert (_env_retry_mode(), _env_max_attempts()) == ("adaptive", 11)


def test_endpoint_url_reaches_every_client(
    closed_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws = Aws(AwsOptions(region=REGION))
    for service in ("s3", "kms", "sts", "eks", "service-quotas"):
        assert aws.client(service).meta.endpoint_url == closed_endpoint
    assert aws.s3_endpoint_url() == closed_endpoint
    # A per-service setting wins for its service only, as botocore defines it.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    aws = Aws(AwsOptions(region=REGION))
    assert aws.client("s3").meta.endpoint_url == "http://127.0.0.1:9"
    assert aws.client("kms").meta.endpoint_url == closed_endpoint


def test_access_denied_in_bootstrap_is_one_line(moto: None, stub: Any, capsys: Any) -> None:
    kms = stub("kms")
    kms.add_client_error(
        "describe_key",
        service_error_code="AccessDeniedException",
        service_message="User: arn:aws:iam::123456789012:user/dev is not authorized to "
        "perform: kms:DescribeKey",
        http_status_code=400,
    )
    assert main(["bootstrap", "--bucket", "team-state"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "access denied on DescribeKey" in err and "kms:DescribeKey" in err


def test_access_denied_on_one_check_fails_that_row(
    moto: None, stub: Any, tmp_path: Path, capsys: Any
) -> None:
    eks = stub("eks")
    eks.add_client_error(
        "describe_cluster",
        service_error_code="AccessDeniedException",
        service_message="not authorized to perform: eks:DescribeCluster",
        http_status_code=403,
    )
    outputs = tmp_path / "outputs.json"
    outputs.write_text('{"eksClusterName": "mlops-dev"}', encoding="utf-8")
    assert main(["verify", "dev", "--outputs", str(outputs)]) == 1
    row = next(x for x in capsys.readouterr().out.splitlines() if "EKS cluster" in x)
    assert "FAIL" in row and "access denied on DescribeCluster" in row


def test_access_denied_reading_quotas_fails_that_row(
    moto: None, stub: Any, tmp_path: Path, capsys: Any
) -> None:
    quotas = stub("service-quotas")
    quotas.add_client_error(
        "get_service_quota", service_error_code="AccessDeniedException", http_status_code=400
    )
    path = stack_file(
        tmp_path,
        training={
            "nodeGroups": [
                {
                    "name": "system",
                    "kind": "system",
                    "instanceTypes": ["m6i.large"],
                    "min": 1,
                    "desired": 1,
                    "max": 2,
                },
                {"name": "gpu", "kind": "gpu", "instanceTypes": ["p4d.24xlarge"]},
            ]
        },
    )
    assert main(["preflight", "dev", "--config", str(path)]) == 1
    row = next(x for x in capsys.readouterr().out.splitlines() if "L-417A185B" in x)
    assert "FAIL" in row and "cannot read quota: access denied on GetServiceQuota" in row


def test_bucket_in_another_region(moto: None, stub: Any) -> None:
    s3 = stub("s3")
    s3.add_client_error(
        "head_bucket",
        service_error_code="301",
        http_status_code=301,
        response_meta={"HTTPHeaders": {"x-amz-bucket-region": "us-west-2"}},
    )
    with pytest.raises(AwsError) as raised:
        run_bootstrap(Aws(AwsOptions(region=REGION)), "team-state")
    assert str(raised.value) == (
        "wrong region for HeadBucket: the resource is not in eu-west-1 (it is in us-west-2); "
        "rerun with the matching --region"
    )


@pytest.mark.parametrize(
    ("exc", "expected", "fatal"),
    [
        (NoCredentialsError(), "no AWS credentials found", True),
        (NoRegionError(), "no AWS region configured", True),
        (
            EndpointConnectionError(endpoint_url="https://eks.xx-east-9.amazonaws.com/"),
            "cannot reach https://eks.xx-east-9.amazonaws.com/: check that region",
            True,
        ),
        (
            ClientError(
                {"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "GetCallerIdentity"
            ),
            "AWS rejected the credentials (ExpiredToken)",
            True,
        ),
        (
            ClientError({"Error": {"Code": "AccessDenied", "Message": "no\nway"}}, "PutObject"),
            "access denied on PutObject: the caller lacks permission (no)",
            False,
        ),
        (
            ClientError(
                {
                    "Error": {"Code": "RequestLimitExceeded"},
                    "ResponseMetadata": {"RetryAttempts": 7},
                },
                "DescribeInstances",
            ),
            "AWS throttled DescribeInstances (RequestLimitExceeded) and 8 attempt(s)",
            False,
        ),
    ],
)
def test_describe_error_is_one_line(exc: Exception, expected: str, fatal: bool) -> None:
    message = describe_error(exc, region="xx-east-9")
    assert expected in message
    assert "\n" not in message
    assert is_fatal(exc) is fatal


def test_unknown_profile_is_one_line(capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", "team-state", "--profile", "nope"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "The config profile (nope) could not be found" in err and "--profile" in err
