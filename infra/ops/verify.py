"""After `pulumi up`: check the live platform named by the stack outputs.

The outputs contract (`infra/outputs.py`) names every resource worth checking, so
verify needs no knowledge of how the program built them. An output the stack does not
export (a section left out of a stack file) is skipped with a note, not failed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import outputs as output_names
from .aws import Aws, AwsError, describe_error, error_code, is_fatal
from .bootstrap import key_state_remedy
from .report import Report, Status

_NOT_FOUND = frozenset(
    {
        "ResourceNotFoundException",
        "ResourceNotFound",
        "NotFoundException",
        "NotFound",
        "NoSuchBucket",
        "404",
    }
)
_BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class OutputsError(Exception):
    """Stack outputs could not be read: `str()` is the one line shown to the user."""


def load_outputs(stack: str, path: Path | None = None) -> dict[str, Any]:
    """Stack outputs from a JSON file, or from `pulumi stack output --json` when no file."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise OutputsError(f"{path}: cannot read ({exc.strerror})") from None
        source = str(path)
    else:
        command = ["pulumi", "stack", "output", "--json", "--show-secrets", "-s", stack]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise OutputsError(
                "the pulumi CLI is not installed: pass --outputs FILE "
                "(written by `pulumi stack output --json --show-secrets`)"
            ) from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise OutputsError(f"`{' '.join(command)}` failed: {reason}")
        text, source = done.stdout, "pulumi stack output"
    try:
        outputs = json.loads(text)
    except ValueError as exc:
        raise OutputsError(f"{source}: not JSON ({exc})") from None
    if not isinstance(outputs, dict):
        raise OutputsError(f"{source}: expected a JSON object of stack outputs")
    return outputs


def _not_found(exc: Exception) -> bool:
    code = error_code(exc)
    if code in _NOT_FOUND:
        return True
    # SageMaker reports a missing endpoint or group as a validation error.
    message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", "")).lower()
    return code == "ValidationException" and (
        "could not find" in message or "does not exist" in message
    )


def _names(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(v) for v in value.values() if v]
    return [str(v) for v in value if v]


class _Verifier:
    def __init__(self, aws: Aws, outputs: dict[str, Any], report: Report) -> None:
        self.aws = aws
        self.outputs = outputs
        self.report = report

    def names(self, *keys: str) -> list[str] | None:
        """Names under the first present output key, or None (a skip row) if none is."""
        present = [k for k in keys if k in self.outputs]
        if not present:
            self.report.add(
                f"output {keys[0]}", Status.SKIP, "not in the stack outputs; nothing to check"
            )
            return None
        seen: list[str] = []
        for key in present:
            seen += [n for n in _names(self.outputs[key]) if n not in seen]
        return seen

    def check(self, label: str, probe: Callable[[], tuple[Status, str]]) -> None:
        """Run one probe; a missing resource or a refused call is this check's failure."""
        try:
            status, detail = probe()
        except (BotoCoreError, ClientError) as exc:
            if is_fatal(exc):
                raise AwsError(describe_error(exc, region=self.aws.region)) from None
            if _not_found(exc):
                status, detail = Status.FAIL, "not found"
            else:
                status, detail = Status.FAIL, describe_error(exc, region=self.aws.region)
        self.report.add(label, status, detail)

    # -- KMS ------------------------------------------------------------------------------
    def kms_key(self) -> None:
        """The platform key: a disabled or pending-deletion key makes its data unreadable."""
        for arn in self.names(output_names.KMS_KEY_ARN) or []:

            def probe(arn: str = arn) -> tuple[Status, str]:
                meta = self.aws.client("kms").describe_key(KeyId=arn)["KeyMetadata"]
                state = meta.get("KeyState")
                if state == "Enabled":
                    return Status.PASS, f"{meta['KeyId']} Enabled"
                return Status.FAIL, f"{meta['KeyId']} is {state}: {key_state_remedy(meta)}"

            self.check("KMS key", probe)

    # -- EKS ------------------------------------------------------------------------------
    def eks(self) -> None:
        clusters = self.names(output_names.EKS_CLUSTER_NAME)
        if not clusters:
            if output_names.EKS_NODE_GROUP_NAMES in self.outputs:
                self.report.add(
                    "EKS node groups", Status.SKIP, "no eksClusterName to look them up in"
                )
            return
        cluster = clusters[0]
        eks = self.aws.client("eks")

        def cluster_probe() -> tuple[Status, str]:
            info = eks.describe_cluster(name=cluster)["cluster"]
            status = info.get("status")
            detail = f"{status}, Kubernetes {info.get('version')}"
            return (Status.PASS if status == "ACTIVE" else Status.FAIL), detail

        self.check(f"EKS cluster {cluster}", cluster_probe)
        for group in self.names(output_names.EKS_NODE_GROUP_NAMES) or []:

            def group_probe(group: str = group) -> tuple[Status, str]:
                info = eks.describe_nodegroup(clusterName=cluster, nodegroupName=group)["nodegroup"]
                status = info.get("status")
                issues = info.get("health", {}).get("issues", [])
                detail = str(status) + (f", {len(issues)} health issue(s)" if issues else "")
                return (Status.PASS if status == "ACTIVE" else Status.FAIL), detail

            self.check(f"EKS node group {group}", group_probe)

    # -- SageMaker ------------------------------------------------------------------------
    def feature_groups(self) -> None:
        sagemaker = self.aws.client("sagemaker")
        for name in self.names(output_names.FEATURE_GROUP_NAMES) or []:

            def probe(name: str = name) -> tuple[Status, str]:
                info = sagemaker.describe_feature_group(FeatureGroupName=name)
                status = info.get("FeatureGroupStatus")
                reason = info.get("FailureReason")
                detail = str(status) + (f": {reason}" if reason else "")
                return (Status.PASS if status == "Created" else Status.FAIL), detail

            self.check(f"feature group {name}", probe)

    def model_package_groups(self) -> None:
        sagemaker = self.aws.client("sagemaker")
        for name in self.names(output_names.MODEL_PACKAGE_GROUP_NAMES) or []:

            def probe(name: str = name) -> tuple[Status, str]:
                info = sagemaker.describe_model_package_group(ModelPackageGroupName=name)
                status = info.get("ModelPackageGroupStatus")
                ok = status in ("Completed", None)
                return (Status.PASS if ok else Status.FAIL), f"present, {status or 'no status'}"

            self.check(f"model package group {name}", probe)

    def endpoints(self) -> None:
        sagemaker = self.aws.client("sagemaker")
        for name in self.names(output_names.ENDPOINT_NAMES) or []:

            def probe(name: str = name) -> tuple[Status, str]:
                info = sagemaker.describe_endpoint(EndpointName=name)
                status = info.get("EndpointStatus")
                reason = info.get("FailureReason")
                detail = str(status) + (f": {reason}" if reason else "")
                return (Status.PASS if status == "InService" else Status.FAIL), detail

            self.check(f"endpoint {name}", probe)

    # -- monitoring -----------------------------------------------------------------------
    def alerting(self) -> None:
        topics = self.names(output_names.ALERT_TOPIC_ARN)
        topic = topics[0] if topics else None
        if topic:
            sns = self.aws.client("sns")

            def topic_probe() -> tuple[Status, str]:
                attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
                key = attributes.get("KmsMasterKeyId")
                if not key:
                    return Status.FAIL, "present but not encrypted with KMS"
                return Status.PASS, f"present, encrypted ({key})"

            self.check("alert topic", topic_probe)
        alarms = self.names(output_names.ALARM_NAMES)
        if not alarms:
            return
        cloudwatch = self.aws.client("cloudwatch")
        found: dict[str, dict[str, Any]] = {}
        try:
            for start in range(0, len(alarms), 100):
                page = cloudwatch.describe_alarms(
                    AlarmNames=alarms[start : start + 100],
                    AlarmTypes=["MetricAlarm", "CompositeAlarm"],
                )
                for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    found[alarm["AlarmName"]] = alarm
        except (BotoCoreError, ClientError) as exc:
            if is_fatal(exc):
                raise AwsError(describe_error(exc, region=self.aws.region)) from None
            for name in alarms:
                self.report.add(f"alarm {name}", Status.FAIL, describe_error(exc))
            return
        for name in alarms:
            alarm = found.get(name)
            if alarm is None:
                self.report.add(f"alarm {name}", Status.FAIL, "not found")
            elif topic is None:
                self.report.add(
                    f"alarm {name}", Status.PASS, "present (no alertTopicArn output to match)"
                )
            elif topic in alarm.get("AlarmActions", []):
                self.report.add(f"alarm {name}", Status.PASS, "present, notifies the alert topic")
            else:
                self.report.add(
                    f"alarm {name}", Status.FAIL, "present but its actions omit alertTopicArn"
                )

    # -- storage --------------------------------------------------------------------------
    def buckets(self) -> None:
        s3 = self.aws.client("s3")
        names = self.names(
            output_names.BUCKET_NAMES,
            output_names.FEATURE_STORE_BUCKET_NAME,
            output_names.ARTIFACT_BUCKET_NAME,
        )
        for name in names or []:

            def probe(name: str = name) -> tuple[Status, str]:
                problems = []
                try:
                    rules = s3.get_bucket_encryption(Bucket=name)[
                        "ServerSideEncryptionConfiguration"
                    ]["Rules"]
                except ClientError as exc:
                    if error_code(exc) != "ServerSideEncryptionConfigurationNotFoundError":
                        raise
                    rules = []
                algorithms = {
                    r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm")
                    for r in rules
                }
                if not algorithms & {"aws:kms", "aws:kms:dsse"}:
                    shown = ", ".join(sorted(map(str, algorithms))) or "none"
                    problems.append(f"default encryption is {shown}, not aws:kms")
                try:
                    block = s3.get_public_access_block(Bucket=name)[
                        "PublicAccessBlockConfiguration"
                    ]
                except ClientError as exc:
                    if error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
                        raise
                    block = {}
                off = [k for k in _BLOCK_KEYS if not block.get(k)]
                if off:
                    problems.append(f"public access not fully blocked ({', '.join(off)} off)")
                if problems:
                    return Status.FAIL, "; ".join(problems)
                return Status.PASS, "aws:kms encrypted, all public access blocked"

            self.check(f"bucket {name}", probe)


def run_verify(aws: Aws, stack: str, outputs: dict[str, Any]) -> Report:
    """Check every resource the outputs name. Raises AwsError when AWS cannot be used."""
    report = Report(f"verify {stack} ({aws.region})")
    aws.caller_account()
    verifier = _Verifier(aws, outputs, report)
    verifier.kms_key()
    verifier.eks()
    verifier.feature_groups()
    verifier.model_package_groups()
    verifier.endpoints()
    verifier.alerting()
    verifier.buckets()
    return report
