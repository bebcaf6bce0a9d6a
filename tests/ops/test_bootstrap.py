"""`mlops-platform bootstrap` against in-process moto: create, re-run, drift and --fix."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra.cli import main
from infra.ops.aws import Aws, AwsError, AwsOptions
from infra.ops.bootstrap import LIFECYCLE_RULE_ID, STATE_PREFIX, TLS_SID, run_bootstrap

from .conftest import ACCOUNT, REGION

BUCKET = "team-state"
ALIAS = "alias/pulumi-state-team-state"


def _s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def _mutations(mocker: Any) -> list[str]:
    """Spy on every AWS call bootstrap makes; returns the (growing) list of operation names."""
    calls: list[str] = []
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if not getattr(made, "_counted", False):
            made.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
            made._counted = True
        return made

    mocker.patch.object(Aws, "client", client)
    return calls


def _writes(calls: list[str]) -> list[str]:
    return [c for c in calls if c.startswith(("Create", "Put", "Enable", "Update", "Delete"))]


def assert_fully_protected(bucket: str) -> None:
    s3 = _s3()
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls = [s for s in policy["Statement"] if s.get("Sid") == TLS_SID]
    assert tls and tls[0]["Effect"] == "Deny"
    assert tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    ours = [r for r in rules if r["ID"] == LIFECYCLE_RULE_ID]
    assert ours and ours[0]["Status"] == "Enabled"
    assert ours[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert ours[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def test_first_run_creates_protected_bucket_and_rotating_key(moto: None, capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    out = capsys.readouterr().out

    assert_fully_protected(BUCKET)
    kms = boto3.client("kms", region_name=REGION)
    key = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    encryption = _s3().get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
    assert (
        encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        == (key["Arn"])
    )
    assert "Applied 11 change(s)" in out
    assert f"pulumi login 's3://{BUCKET}?region={REGION}&awssdk=v2'" in out
    assert f"pulumi stack init dev --secrets-provider 'awskms://{ALIAS}?region={REGION}'" in out


def test_second_run_changes_nothing_and_says_so(moto: None, capsys: Any, mocker: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    capsys.readouterr()
    calls = _mutations(mocker)

    assert main(["bootstrap", "--bucket", BUCKET]) == 0
    out = capsys.readouterr().out

    assert calls, "the spy saw no AWS calls at all"
    assert _writes(calls) == []
    assert "No changes" in out
    assert "created" not in out and "fixed" not in out
    assert len(boto3.client("kms", region_name=REGION).list_keys()["Keys"]) == 1


def test_existing_bucket_missing_protections_is_reported_not_changed(
    moto: None, capsys: Any, mocker: Any
) -> None:
    _s3().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    calls = _mutations(mocker)

    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "alias/state"]) == 1
    out = capsys.readouterr().out

    # Only the (new) KMS key may be written; the team's bucket is left as it was.
    assert {c for c in _writes(calls)} <= {"CreateKey", "EnableKeyRotation", "CreateAlias"}
    for protection in ("versioning", "default encryption", "TLS-only policy", "lifecycle"):
        line = next(line for line in out.splitlines() if protection in line)
        assert "DRIFT" in line, line
    assert "--fix" in out
    assert "pulumi login" not in out
    assert _s3().get_bucket_versioning(Bucket=BUCKET).get("Status") is None


def test_fix_applies_missing_protections_and_keeps_existing_grants(moto: None, capsys: Any) -> None:
    s3 = _s3()
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    reader = {
        "Sid": "TeamRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [reader]})
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "logs",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "logs/"},
                    "Expiration": {"Days": 30},
                }
            ]
        },
    )

    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    out = capsys.readouterr().out

    assert_fully_protected(BUCKET)
    statements = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert reader in statements
    rule_ids = {r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    assert rule_ids == {"logs", LIFECYCLE_RULE_ID}
    assert "fixed" in out

    assert main(["bootstrap", "--bucket", BUCKET]) == 0
    assert "No changes" in capsys.readouterr().out


def test_key_without_rotation_is_drift_until_fixed(moto: None, capsys: Any) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/state", TargetKeyId=key_id)

    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "state"]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "KMS key" in x)
    assert "DRIFT" in line and "rotation is off" in line
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False

    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "state", "--fix"]) == 0
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    capsys.readouterr()
    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "state"]) == 0
    assert "No changes" in capsys.readouterr().out


def test_us_east_1_bucket_has_no_location_constraint(moto: None) -> None:
    # us-east-1 rejects an explicit LocationConstraint; everywhere else requires one.
    result = run_bootstrap(Aws(AwsOptions(region="us-east-1")), BUCKET, fix=True)
    assert not result.drift
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] in (None, "us-east-1")


def test_bucket_owned_by_another_account_is_a_clear_error(moto: None, stub: Any) -> None:
    """moto serves every account from one namespace, so the 403 another account's bucket
    gives is stubbed with botocore's Stubber."""
    s3 = stub("s3")
    s3.add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    with pytest.raises(AwsError, match=r"cannot use it .*owned by another account"):
        run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bucket", "b"], "not a valid S3 bucket name"),
        (["--bucket", "Team_State"], "not a valid S3 bucket name"),
        (["--bucket", BUCKET, "--kms-alias", "alias/aws/s3"], "reserved for AWS managed"),
        (["--bucket", BUCKET, "--kms-alias", "bad alias!"], "must look like alias/NAME"),
        (["--bucket", BUCKET, "--noncurrent-days", "0"], "at least 1"),
        (["--bucket", BUCKET, "--stack", "Bad_Stack"], "stack name 'Bad_Stack' must be"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: Any) -> None:
    assert main(["bootstrap", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_partly_open_public_access_block_is_drift_until_fixed(moto: None, capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    _s3().put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )
    capsys.readouterr()

    assert main(["bootstrap", "--bucket", BUCKET]) == 1
    line = next(x for x in capsys.readouterr().out.splitlines() if "public access block" in x)
    assert "DRIFT" in line and "BlockPublicPolicy, RestrictPublicBuckets" in line

    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0
    assert_fully_protected(BUCKET)


def test_bucket_in_another_region_is_not_touched(moto: None, stub: Any) -> None:
    """HeadBucket is stubbed: botocore follows S3's cross-region redirect, so a bucket in
    another region answers 200 with its region in BucketRegion."""
    s3 = stub("s3")
    s3.add_response(
        "head_bucket",
        {"BucketRegion": "us-west-2"},
        {"Bucket": BUCKET, "ExpectedBucketOwner": ACCOUNT},
    )
    with pytest.raises(AwsError, match="is in us-west-2, not eu-west-1: rerun with --region"):
        run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET)
    s3.assert_no_pending_responses()


def test_stack_option_selects_the_init_commands(moto: None, capsys: Any) -> None:
    assert main(["bootstrap", "--bucket", BUCKET, "--stack", "ml-prod", "--fix"]) == 0
    out = capsys.readouterr().out
    assert "pulumi stack init ml-prod --secrets-provider" in out
    assert "pulumi stack init dev " not in out


_READ_ONLY = ("Get", "List", "Describe", "Head")


def _calls_with_params(mocker: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every AWS call bootstrap makes, as (operation, API parameters), in order."""
    calls: list[tuple[str, dict[str, Any]]] = []
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if not getattr(made, "_recorded", False):
            made.meta.events.register(
                "provide-client-params",
                lambda model, params, **_: calls.append((model.name, dict(params))),
            )
            made._recorded = True
        return made

    mocker.patch.object(Aws, "client", client)
    return calls


def test_dry_run_on_an_empty_account_writes_nothing(moto: None, capsys: Any, mocker: Any) -> None:
    calls = _calls_with_params(mocker)

    assert main(["bootstrap", "--bucket", BUCKET]) == 1
    out = capsys.readouterr().out

    assert calls, "the spy saw no AWS calls at all"
    assert [name for name, _ in calls if not name.startswith(_READ_ONLY)] == []
    assert boto3.client("kms", region_name=REGION).list_keys()["Keys"] == []
    aliases = boto3.client("kms", region_name=REGION).list_aliases()["Aliases"]
    assert ALIAS not in [a["AliasName"] for a in aliases]
    assert _s3().list_buckets()["Buckets"] == []
    assert "nothing was changed" in out and "--fix" in out


def test_dry_run_on_a_drifted_bucket_and_key_writes_nothing(
    moto: None, capsys: Any, mocker: Any
) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/state", TargetKeyId=key_id)
    _s3().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    calls = _calls_with_params(mocker)

    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "state"]) == 1

    assert calls
    assert [name for name, _ in calls if not name.startswith(_READ_ONLY)] == []
    assert len(kms.list_keys()["Keys"]) == 1


def test_every_bucket_call_names_the_expected_owner(moto: None, mocker: Any) -> None:
    calls = _calls_with_params(mocker)
    run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET, fix=True)
    run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET)

    bucket_calls = [(n, p) for n, p in calls if "Bucket" in p]
    assert len(bucket_calls) > 20
    # CreateBucket has no owner parameter: a name taken by anyone fails it instead.
    unchecked = [n for n, p in bucket_calls if p.get("ExpectedBucketOwner") != ACCOUNT]
    assert unchecked == ["CreateBucket"]


def test_fix_merges_into_existing_policy_and_lifecycle(moto: None) -> None:
    s3 = _s3()
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    theirs = {
        "Sid": "TeamRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": ["s3:GetObject", "s3:ListBucket"],
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    }
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [theirs]})
    )
    rule = {"ID": "logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}}
    rule["Expiration"] = {"Days": 30}
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [rule]})
    policy_before = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    rules_before = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]

    assert not run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET, fix=True).drift

    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert policy["Statement"][:-1] == policy_before["Statement"]
    assert [s["Sid"] for s in policy["Statement"]] == ["TeamRead", TLS_SID]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert rules[:-1] == rules_before
    assert rules[-1]["ID"] == LIFECYCLE_RULE_ID
    assert rules[-1]["Filter"] == {"Prefix": STATE_PREFIX}


def test_a_rule_with_our_id_changed_by_someone_else_is_not_overwritten(moto: None) -> None:
    run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET, fix=True)
    s3 = _s3()
    edited = {"ID": LIFECYCLE_RULE_ID, "Status": "Disabled", "Filter": {"Prefix": STATE_PREFIX}}
    edited["Expiration"] = {"Days": 3650}
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [edited]})
    before = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]

    with pytest.raises(AwsError, match=f"lifecycle rule '{LIFECYCLE_RULE_ID}' .* changed"):
        run_bootstrap(Aws(AwsOptions(region=REGION)), BUCKET, fix=True)
    assert s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"] == before


@pytest.mark.parametrize(
    ("disable", "state", "remedy"),
    [
        (lambda kms, key: kms.disable_key(KeyId=key), "Disabled", "aws kms enable-key"),
        (
            lambda kms, key: kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7),
            "PendingDeletion",
            "aws kms cancel-key-deletion",
        ),
    ],
)
def test_unusable_key_is_a_one_line_error_before_any_write(
    disable: Any, state: str, remedy: str, moto: None, capsys: Any, mocker: Any
) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/state", TargetKeyId=key_id)
    disable(kms, key_id)
    calls = _calls_with_params(mocker)

    assert main(["bootstrap", "--bucket", BUCKET, "--kms-alias", "state", "--fix"]) == 2
    err = capsys.readouterr().err

    assert err.count("\n") == 1
    assert f"KMS key {key_id} behind alias/state is {state}: " in err
    assert f"({remedy} --key-id {key_id})" in err
    assert [name for name, _ in calls if not name.startswith(_READ_ONLY)] == []
    assert _s3().list_buckets()["Buckets"] == []


def test_failure_after_the_first_write_lists_exactly_what_changed(
    moto: None, capsys: Any, mocker: Any
) -> None:
    calls = _calls_with_params(mocker)
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if service == "kms" and not getattr(made, "_failing", False):

            def fail(**_: Any) -> None:
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "denied"}},
                    "EnableKeyRotation",
                )

            made.meta.events.register("before-call.kms.EnableKeyRotation", fail)
            made._failing = True
        return made

    mocker.patch.object(Aws, "client", client)

    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 2
    err = capsys.readouterr().err

    key_id = boto3.client("kms", region_name=REGION).list_keys()["Keys"][0]["KeyId"]
    assert err.count("\n") == 1
    assert err.strip().endswith(f"; already changed: KMS key created ({key_id})")
    assert "EnableKeyRotation" in err
    writes = [name for name, _ in calls if not name.startswith(_READ_ONLY)]
    assert writes == ["CreateKey", "EnableKeyRotation"]
    assert _s3().list_buckets()["Buckets"] == []


def test_service_linked_roles_are_read_before_the_first_write(moto: None, mocker: Any) -> None:
    recorded = _calls_with_params(mocker)

    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 0

    calls = [name for name, _ in recorded]
    writes = [i for i, name in enumerate(calls) if not name.startswith(_READ_ONLY)]
    assert writes and "CreateServiceLinkedRole" in calls
    assert calls.index("GetRole") < writes[0], calls


def _iam_get_role_fails(mocker: Any, code: str) -> None:
    original = Aws.client

    def client(self: Aws, service: str) -> Any:
        made = original(self, service)
        if service == "iam" and not getattr(made, "_failing", False):

            def fail(**_: Any) -> None:
                raise ClientError({"Error": {"Code": code, "Message": "denied"}}, "GetRole")

            made.meta.events.register("before-call.iam.GetRole", fail)
            made._failing = True
        return made

    mocker.patch.object(Aws, "client", client)


def test_a_failing_role_check_stops_fix_before_any_write(
    moto: None, capsys: Any, mocker: Any
) -> None:
    """An empty account (bucket, key and role all missing) whose IAM does not answer GetRole:
    bootstrap cannot know whether to create the role, so it creates nothing at all."""
    calls = _calls_with_params(mocker)
    _iam_get_role_fails(mocker, "AccessDenied")

    assert main(["bootstrap", "--bucket", BUCKET, "--fix"]) == 2
    err = capsys.readouterr().err

    assert err.count("\n") == 1 and err.startswith("error: cannot check service-linked role ")
    assert err.rstrip().endswith("; nothing was changed")
    assert "GetRole" in [name for name, _ in calls]
    assert [name for name, _ in calls if not name.startswith(_READ_ONLY)] == []
    assert boto3.client("kms", region_name=REGION).list_keys()["Keys"] == []
    assert _s3().list_buckets()["Buckets"] == []


def test_a_failing_role_check_is_a_warning_in_a_dry_run(
    moto: None, capsys: Any, mocker: Any
) -> None:
    calls = _calls_with_params(mocker)
    _iam_get_role_fails(mocker, "AccessDenied")

    assert main(["bootstrap", "--bucket", BUCKET]) == 1
    out = capsys.readouterr().out

    row = next(line for line in out.splitlines() if "AWSServiceRoleForAutoScaling" in line)
    assert "warn" in row and "cannot check" in row
    assert [name for name, _ in calls if not name.startswith(_READ_ONLY)] == []
