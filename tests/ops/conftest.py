"""Fixtures for the boto3 operations tests: fake credentials always, moto or stubs per test.

The autouse fixture removes every AWS_* variable and the shared config files, then sets
dummy credentials, so no test can reach (or be billed by) a real account.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from infra.ops.aws import Aws
from tests.helpers import BASE_STACK, write_stack

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # One table row per output line, so assertions can read a row whole.
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def moto() -> Iterator[None]:
    """In-process moto for every boto3 client created inside the test."""
    with mock_aws():
        yield


@pytest.fixture
def stub(mocker: Any) -> Callable[[str], Stubber]:
    """`stub("service-quotas")`: route that service's client to an activated Stubber.

    For AWS APIs moto does not implement (Service Quotas for ec2/sagemaker, EKS
    DescribeClusterVersions) or answers we cannot make moto produce (403 from another
    account, throttling). Other services keep going to moto.
    """
    stubbers: dict[str, Stubber] = {}
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        if service in stubbers:
            return stubbers[service].client
        return original(self, service)

    mocker.patch.object(Aws, "client", client)

    def make(service: str) -> Stubber:
        stubber = Stubber(boto3.client(service, region_name=REGION))
        stubber.activate()
        stubbers[service] = stubber
        return stubber

    return make


def stack_file(tmp_path: Path, **sections: Any) -> Path:
    """A dev stack file with the given `mlops-platform:<section>` values."""
    config = dict(BASE_STACK)
    config.update({f"mlops-platform:{key}": value for key, value in sections.items()})
    return write_stack(tmp_path, config)
