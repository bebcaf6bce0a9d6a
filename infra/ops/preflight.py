"""Before `pulumi up`: what a first deploy usually fails on, checked with boto3.

Each check adds one row to a report; a check that cannot be answered (permission denied,
an API the endpoint lacks) says so in its row rather than passing silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components import Deployment, catalog
from components.model_registry import model_package_arn

from ..config import PlatformConfig
from ..config.monitoring import baseline_prefix, monitored_endpoints
from ..config.serving import Endpoint
from .aws import Aws, AwsError, describe_error, error_code, is_fatal
from .instances import EC2_GPU_QUOTAS, gpu_class, vcpus
from .naming import stack_bucket_name, stack_bucket_names, stack_marker_role
from .report import Report, Status
from .service_linked_roles import check_service_linked_roles


def _reraise_fatal(exc: Exception, aws: Aws) -> None:
    if is_fatal(exc):
        raise AwsError(describe_error(exc, region=aws.region)) from None


@dataclass
class _Demand:
    """vCPUs one EC2 quota must cover, with where each share comes from."""

    vcpus: int = 0
    parts: list[str] = field(default_factory=list)


def gpu_vcpu_demand(config: PlatformConfig) -> dict[tuple[str, str], _Demand]:
    """vCPUs per (family class, capacity) if every GPU node group scales to its max.

    A group with several instance types is counted at its largest, since the autoscaler
    may pick any of them.
    """
    demand: dict[tuple[str, str], _Demand] = defaultdict(_Demand)
    for group in config.training.node_groups:
        per_class: dict[str, tuple[int, str]] = {}
        for instance_type in group.instance_types:
            klass = gpu_class(instance_type)
            if klass is None:
                continue
            count = vcpus(instance_type)
            if count is None:
                # The schema admits only catalog types, so this is a catalog defect.
                raise AwsError(
                    f"training.nodeGroups '{group.name}': {instance_type} is not in the "
                    "instance-type catalog (components/catalog)"
                )
            if klass not in per_class or count > per_class[klass][0]:
                per_class[klass] = (count, instance_type)
        for klass, (count, instance_type) in per_class.items():
            share = demand[(klass, group.capacity)]
            share.vcpus += group.max * count
            share.parts.append(f"{group.name}: {group.max} x {instance_type} ({count} vCPU)")
    return dict(demand)


def endpoint_instance_demand(config: PlatformConfig) -> dict[str, tuple[int, list[str]]]:
    """Instances per SageMaker instance type while every real-time endpoint, at its max,
    is being updated.

    Every real-time endpoint updates blue/green (`ServingEndpoint`'s deployment config):
    SageMaker provisions a whole green fleet beside the blue one and terminates the blue
    fleet only after the baking period, so an update needs twice the endpoint's instances.
    Pulumi updates endpoints in parallel, so the quota must cover all of them at once.
    """
    demand: dict[str, tuple[int, list[str]]] = {}
    for endpoint in config.serving.endpoints:
        if endpoint.serverless is not None or not endpoint.instance_type:
            continue
        count, names = demand.get(endpoint.instance_type, (0, []))
        most = endpoint.max_instances
        demand[endpoint.instance_type] = (
            count + 2 * most,
            [*names, f"{endpoint.name}: {most} blue + {most} green"],
        )
    return demand


def _check_identity(
    report: Report,
    account: str,
    expected_account: str | None,
    ambient_region: str | None,
    config: PlatformConfig,
) -> None:
    if expected_account is None:
        report.add("caller account", Status.PASS, f"{account} (pass --account to require one)")
    elif account == expected_account:
        report.add("caller account", Status.PASS, f"{account} as expected")
    else:
        report.add(
            "caller account",
            Status.FAIL,
            f"credentials are for {account}, the stack expects {expected_account}: "
            "switch profile or role",
        )
    if ambient_region is None:
        report.add(
            "region",
            Status.PASS,
            f"stack deploys to {config.region}; no default region set, checks use it",
        )
    elif ambient_region == config.region:
        report.add("region", Status.PASS, f"{config.region} matches your AWS region")
    else:
        report.add(
            "region",
            Status.FAIL,
            f"your AWS region is {ambient_region} but the stack deploys to {config.region}: "
            f"export AWS_REGION={config.region}",
        )


def _ec2_quota_value(aws: Aws, code: str) -> float:
    quotas = aws.client("service-quotas")
    try:
        return float(quotas.get_service_quota(ServiceCode="ec2", QuotaCode=code)["Quota"]["Value"])
    except ClientError as exc:
        if error_code(exc) != "NoSuchResourceException":
            raise
    # No applied value: the account still has the AWS default.
    return float(
        quotas.get_aws_default_service_quota(ServiceCode="ec2", QuotaCode=code)["Quota"]["Value"]
    )


def _check_gpu_quotas(aws: Aws, report: Report, config: PlatformConfig) -> None:
    demand = gpu_vcpu_demand(config)
    if not demand:
        report.add("EC2 GPU quotas", Status.SKIP, "no GPU instance types in training.nodeGroups")
        return
    for key, quota in EC2_GPU_QUOTAS.items():
        if key not in demand:
            continue
        needed = demand[key]
        label = f"EC2 quota {quota.name} ({quota.code})"
        try:
            value = _ec2_quota_value(aws, quota.code)
        except (BotoCoreError, ClientError) as exc:
            _reraise_fatal(exc, aws)
            report.add(label, Status.FAIL, f"cannot read quota: {describe_error(exc)}")
            continue
        detail = f"needs {needed.vcpus} vCPUs ({'; '.join(needed.parts)}), quota {value:g}"
        if needed.vcpus <= value:
            report.add(label, Status.PASS, detail)
        else:
            report.add(
                label,
                Status.FAIL,
                f"{detail}: request an increase in Service Quotas or lower nodeGroups max",
            )


def _sagemaker_quotas(aws: Aws) -> dict[str, float]:
    """Quota name -> value for SageMaker: applied values over AWS defaults."""
    quotas = aws.client("service-quotas")
    values: dict[str, float] = {}
    for operation in ("list_aws_default_service_quotas", "list_service_quotas"):
        for page in quotas.get_paginator(operation).paginate(ServiceCode="sagemaker"):
            for quota in page.get("Quotas", []):
                values[quota["QuotaName"]] = float(quota["Value"])
    return values


def _check_endpoint_quotas(aws: Aws, report: Report, config: PlatformConfig) -> None:
    demand = endpoint_instance_demand(config)
    if not demand:
        report.add(
            "SageMaker endpoint quotas", Status.SKIP, "no real-time endpoints in serving.endpoints"
        )
        return
    try:
        values = _sagemaker_quotas(aws)
    except (BotoCoreError, ClientError) as exc:
        _reraise_fatal(exc, aws)
        for instance_type in demand:
            report.add(
                f"SageMaker quota {instance_type} for endpoint usage",
                Status.FAIL,
                f"cannot read quotas: {describe_error(exc)}",
            )
        return
    for instance_type, (needed, parts) in sorted(demand.items()):
        name = f"{instance_type} for endpoint usage"
        label = f"SageMaker quota {name}"
        if name not in values:
            report.add(
                label,
                Status.FAIL,
                f"no such quota in {aws.region}: is {instance_type} offered for endpoints there?",
            )
            continue
        value = values[name]
        detail = (
            f"needs {needed} instances during a blue/green update ({'; '.join(parts)}), "
            f"quota {value:g}"
        )
        if needed <= value:
            report.add(label, Status.PASS, detail)
        else:
            report.add(
                label,
                Status.FAIL,
                f"{detail}: request an increase in Service Quotas or lower maxInstances",
            )


def _check_eks_version(aws: Aws, report: Report, config: PlatformConfig) -> None:
    version = config.training.kubernetes_version
    label = f"EKS version {version}"
    eks = aws.client("eks")
    reasons = []
    try:
        found = eks.describe_cluster_versions(clusterVersions=[version], includeAll=True).get(
            "clusterVersions", []
        )
    except (BotoCoreError, ClientError) as exc:
        _reraise_fatal(exc, aws)
        reasons.append(describe_error(exc))
    else:
        match = [v for v in found if v.get("clusterVersion") == version]
        status = (match[0].get("versionStatus") or match[0].get("status")) if match else None
        if status == "STANDARD_SUPPORT":
            end = match[0].get("endOfStandardSupportDate")
            until = f" until {end:%Y-%m-%d}" if hasattr(end, "strftime") else ""
            report.add(label, Status.PASS, f"in standard support{until} in {aws.region}")
        elif status == "EXTENDED_SUPPORT":
            report.add(
                label,
                Status.WARN,
                "only in extended support (higher EKS price per cluster hour): plan an upgrade",
            )
        else:
            report.add(label, Status.FAIL, f"not supported by EKS in {aws.region}")
        return
    try:
        addons = eks.describe_addon_versions(kubernetesVersion=version, addonName="vpc-cni").get(
            "addons", []
        )
    except (BotoCoreError, ClientError) as exc:
        _reraise_fatal(exc, aws)
        reasons.append(describe_error(exc))
    else:
        builds = [a for a in addons if a.get("addonVersions")]
        if builds:
            report.add(
                label, Status.PASS, f"vpc-cni add-on has builds for {version} in {aws.region}"
            )
        else:
            report.add(label, Status.FAIL, f"no vpc-cni add-on builds for {version}")
        return
    _eks_version_from_calendar(report, label, version, "; ".join(reasons))


def _eks_version_from_calendar(report: Report, label: str, version: str, why: str) -> None:
    """Neither EKS API answered: fall back on the catalog's release calendar, and say so."""
    entry = catalog.kubernetes_version(version)
    support = entry.support_on(date.today()) if entry else "ended"
    if support == "ended":
        report.add(
            label,
            Status.FAIL,
            f"EKS did not answer ({why}) and the catalog's EKS calendar has no support for "
            f"{version} today (supported: {_calendar_versions()})",
        )
    else:
        report.add(
            label,
            Status.WARN,
            f"EKS did not answer ({why}); the catalog's EKS calendar has {version} in "
            f"{support} support today ({_calendar_versions()}) but AWS did not confirm it",
        )


def _calendar_versions() -> str:
    today = date.today()
    return ", ".join(
        k.version for k in catalog.kubernetes_versions() if k.support_on(today) != "ended"
    )


def _bucket_region(exc_or_location: ClientError | str | None) -> str | None:
    """The region of a bucket from GetBucketLocation's answer or a 301's header."""
    if isinstance(exc_or_location, ClientError):
        headers = exc_or_location.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        return headers.get("x-amz-bucket-region")
    # GetBucketLocation says None for us-east-1 and the legacy "EU" for eu-west-1.
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(
        exc_or_location, exc_or_location
    )


def _moved_remedy(name: str, where: str | None, region: str) -> str:
    there = f"in {where}" if where else "in another region"
    return (
        f"exists {there}, but the stack creates it in {region} and S3 bucket names are "
        f"global: copy its data out and delete it there (aws s3 rb s3://{name} --region "
        f"{where or '<region>'}), or deploy the stack to {where or 'that region'}"
    )


def _stack_deployed(aws: Aws, stack: str) -> bool:
    """Whether the stack's marker role exists (see `stack_marker_role`)."""
    try:
        aws.client("iam").get_role(RoleName=stack_marker_role(stack))
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return False
        raise
    return True


def _check_own_bucket(aws: Aws, report: Report, name: str, stack: str, account: str) -> None:
    """The bucket exists in this account: right region, and does the stack still exist?"""
    label = f"bucket name {name}"
    try:
        location = aws.client("s3").get_bucket_location(Bucket=name, ExpectedBucketOwner=account)
        deployed = _stack_deployed(aws, stack)
    except (BotoCoreError, ClientError) as exc:
        _reraise_fatal(exc, aws)
        report.add(
            label,
            Status.FAIL,
            f"exists in this account, but its region or the stack's state cannot be read: "
            f"{describe_error(exc, region=aws.region)}",
        )
        return
    where = _bucket_region(location.get("LocationConstraint"))
    if where != aws.region:
        report.add(label, Status.FAIL, _moved_remedy(name, where, aws.region))
    elif not deployed:
        report.add(
            label,
            Status.FAIL,
            f"exists in this account, but stack '{stack}' is not deployed (no IAM role "
            f"{stack_marker_role(stack)}): it was kept when the stack was destroyed, so "
            "`pulumi up` cannot create it; adopt it with `pulumi import aws:s3/bucket:Bucket` "
            f"or empty and delete it (aws s3 rb s3://{name} --force) first",
        )
    else:
        report.add(label, Status.PASS, "exists in this account (deployed before)")


def _check_bucket_names(aws: Aws, report: Report, stack: str, account: str) -> None:
    s3 = aws.client("s3")
    for name in stack_bucket_names(stack, account):
        label = f"bucket name {name}"
        if len(name) > 63:
            report.add(label, Status.FAIL, f"{len(name)} characters; S3 allows 63")
            continue
        try:
            s3.head_bucket(Bucket=name, ExpectedBucketOwner=account)
        except ClientError as exc:
            _reraise_fatal(exc, aws)
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                report.add(label, Status.PASS, "free")
            elif status == 403:
                report.add(
                    label,
                    Status.FAIL,
                    "taken by another account (or not readable with these credentials)",
                )
            elif status == 301:
                report.add(label, Status.FAIL, _moved_remedy(name, _bucket_region(exc), aws.region))
            else:
                report.add(label, Status.FAIL, describe_error(exc, region=aws.region))
        except BotoCoreError as exc:
            _reraise_fatal(exc, aws)
            report.add(label, Status.FAIL, describe_error(exc, region=aws.region))
        else:
            _check_own_bucket(aws, report, name, stack, account)


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


@dataclass
class _Pin:
    """Where a pinned endpoint's model must come from for its role to read it."""

    endpoint: Endpoint
    repository: str  # <account>.dkr.ecr.<region>.amazonaws.com/<stack repo>/<image>
    artifacts: str  # s3://<artifact bucket>/models/<family>/


def _package_problem(package: dict[str, Any], pin: _Pin) -> str | None:
    status = package.get("ModelApprovalStatus", "PendingManualApproval")
    if status != "Approved":
        return (
            f"is {status}, not Approved: approve it with aws sagemaker update-model-package "
            f"--model-package-arn {package.get('ModelPackageArn')} "
            "--model-approval-status Approved"
        )
    for container in package.get("InferenceSpecification", {}).get("Containers", []):
        image = container.get("Image", "")
        if not image.startswith((pin.repository + "@", pin.repository + ":")):
            return (
                f"runs image {image}, not one from {pin.repository}: the endpoint's role may "
                f"pull only its image '{pin.endpoint.image}'"
            )
        data = container.get("ModelDataUrl")
        if data and not data.startswith(pin.artifacts):
            return f"its artifact {data} is outside {pin.artifacts}, which the endpoint reads"
    return None


def _check_model_package(aws: Aws, report: Report, pin: _Pin, arn: str) -> None:
    endpoint = pin.endpoint
    label = f"model {endpoint.model} v{endpoint.model_package_version} ({endpoint.name})"
    try:
        package = aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        _reraise_fatal(exc, aws)
        missing = error_code(exc) in ("ValidationException", "ResourceNotFound")
        detail = (
            f'{arn} does not exist: register it (README "First model") or pin another version'
            if missing
            else f"cannot describe {arn}: {describe_error(exc)}"
        )
        report.add(label, Status.FAIL, detail)
        return
    except BotoCoreError as exc:
        _reraise_fatal(exc, aws)
        report.add(label, Status.FAIL, f"cannot describe {arn}: {describe_error(exc)}")
        return
    problem = _package_problem(package, pin)
    if problem:
        report.add(label, Status.FAIL, problem)
    else:
        report.add(label, Status.PASS, f"{arn} is Approved")


def _check_artifact(aws: Aws, report: Report, pin: _Pin, bucket: str) -> None:
    endpoint = pin.endpoint
    url, digest = str(endpoint.model_data_url), str(endpoint.image_digest)
    label = f"model artifact ({endpoint.name})"
    if not url.startswith(pin.artifacts):
        report.add(label, Status.FAIL, f"{url} is not under {pin.artifacts}, which it may read")
        return
    repository = pin.repository.split("/", 1)[1]
    try:
        aws.client("s3").head_object(Bucket=bucket, Key=url.removeprefix(f"s3://{bucket}/"))
        aws.client("ecr").describe_images(
            repositoryName=repository, imageIds=[{"imageDigest": digest}]
        )
    except (BotoCoreError, ClientError) as exc:
        _reraise_fatal(exc, aws)
        report.add(label, Status.FAIL, f"{url} with {digest}: {describe_error(exc)}")
        return
    report.add(label, Status.PASS, f"{url} and {pin.repository}@{digest} exist")


def _check_model_versions(
    aws: Aws, report: Report, stack: str, config: PlatformConfig, account: str
) -> None:
    """Every pinned version exists and may be served; a pending endpoint is said so."""
    deployment = Deployment(stack=stack, environment=config.environment, region=config.region)
    bucket = stack_bucket_name(stack, "artifacts", account)
    registry = f"{account}.dkr.ecr.{config.region}.amazonaws.com/{deployment.name()}"
    for _, endpoint in config.serving.pending():
        report.add(
            f"model of endpoint {endpoint.name}",
            Status.SKIP,
            "declared, not deployed: no modelPackageVersion pinned yet",
        )
    for endpoint in config.serving.deployed():
        pin = _Pin(
            endpoint, f"{registry}/{endpoint.image}", f"s3://{bucket}/models/{endpoint.model}/"
        )
        if endpoint.model_package_version is None:
            _check_artifact(aws, report, pin, bucket)
            continue
        arn = model_package_arn(
            _partition(config.region),
            config.region,
            account,
            deployment.name(endpoint.model),
            endpoint.model_package_version,
        )
        _check_model_package(aws, report, pin, arn)


BASELINE_FILES = ("statistics.json", "constraints.json")


def _check_baselines(
    aws: Aws, report: Report, stack: str, config: PlatformConfig, account: str
) -> None:
    """Every monitored endpoint's data-quality baseline exists: a schedule without it fails
    every run."""
    bucket = stack_bucket_name(stack, "artifacts", account)
    s3 = aws.client("s3")
    for endpoint in monitored_endpoints(config.monitoring, config.serving.deployed()):
        prefix = baseline_prefix(endpoint)
        label = f"data-quality baseline ({endpoint.name})"
        missing = []
        for name in BASELINE_FILES:
            try:
                s3.head_object(Bucket=bucket, Key=f"{prefix}{name}")
            except ClientError as exc:
                _reraise_fatal(exc, aws)
                missing.append(name)
        where = f"s3://{bucket}/{prefix}"
        if not missing:
            report.add(label, Status.PASS, f"{where}{{{','.join(BASELINE_FILES)}}} exist")
            continue
        report.add(
            label,
            Status.FAIL,
            f"{where} lacks {', '.join(missing)}: copy the version's registered drift-check "
            "baseline (DriftCheckBaselines.ModelDataQuality) there, or run a baselining job "
            f"on its training data (DefaultModelMonitor.suggest_baseline(output_s3_uri='{where}'))",
        )


def run_preflight(
    aws: Aws,
    stack: str,
    config: PlatformConfig,
    expected_account: str | None = None,
    ambient_region: str | None = None,
) -> Report:
    """Every preflight check for `stack`. Raises AwsError when AWS cannot be used at all."""
    report = Report(f"preflight {stack} ({config.environment}, {config.region})")
    account = aws.caller_account()
    _check_identity(report, account, expected_account, ambient_region, config)
    _check_gpu_quotas(aws, report, config)
    _check_endpoint_quotas(aws, report, config)
    _check_eks_version(aws, report, config)
    _check_bucket_names(aws, report, stack, account)
    check_service_linked_roles(aws, report, config.training.enabled)
    _check_model_versions(aws, report, stack, config, account)
    _check_baselines(aws, report, stack, config, account)
    return report


__all__ = ["endpoint_instance_demand", "gpu_vcpu_demand", "run_preflight"]
