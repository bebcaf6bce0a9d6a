"""`mlops-platform bootstrap` through a real HTTP endpoint: moto_server on 127.0.0.1.

This is how a user pointing at an S3-compatible endpoint runs it: only the standard
`AWS_ENDPOINT_URL` setting (plus credentials and region) differs from a real account.
The issue's example bucket name `b` is one character, which S3 (and moto) reject since
bucket names are 3-63 characters; the command refuses it up front (exit 2), and the
create/re-run behaviour is shown with a valid name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.request import Request, urlopen

import boto3
import pytest
from moto.server import ThreadedMotoServer

from infra.cli import main

from .conftest import REGION

BUCKET = "bkt"


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    try:
        yield url
    finally:
        # The server shares moto's in-memory state with the process: leave it empty.
        urlopen(Request(f"{url}/moto-api/reset", method="POST")).read()
        server.stop()


def _client(service: str, url: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=url)


def test_bootstrap_twice_against_moto_server(endpoint: str, capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    first = capsys.readouterr().out

    s3 = _client("s3", endpoint)
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in block) and len(block) == 4
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert any(s["Effect"] == "Deny" for s in policy["Statement"])

    kms = _client("kms", endpoint)
    aliases = {a["AliasName"]: a for a in kms.list_aliases()["Aliases"]}
    alias = aliases[f"alias/pulumi-state-{BUCKET}"]
    assert kms.get_key_rotation_status(KeyId=alias["TargetKeyId"])["KeyRotationEnabled"]
    key_arn = kms.describe_key(KeyId=alias["TargetKeyId"])["KeyMetadata"]["Arn"]
    assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key_arn
    assert "Applied" in first
    port = endpoint.rsplit(":", 1)[1]
    assert (
        f"pulumi login 's3://{BUCKET}?region={REGION}&endpoint=127.0.0.1%3A{port}"
        "&disableSSL=true&s3ForcePathStyle=true'" in first
    )

    assert main(["bootstrap", "--bucket", BUCKET]) == 0
    second = capsys.readouterr().out
    assert "No changes" in second
    assert "created" not in second
    assert len(kms.list_keys()["Keys"]) == 1


def test_one_letter_bucket_is_refused_before_any_call(endpoint: str, capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", "b"]) == 2
    assert "3 to 63 characters" in capsys.readouterr().err
    assert _client("s3", endpoint).list_buckets()["Buckets"] == []
