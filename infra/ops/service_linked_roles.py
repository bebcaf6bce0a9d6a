"""Service-linked roles the first `pulumi up` refers to before any AWS service made them.

AWS creates a service-linked role the first time a service is used in an account. The
training cluster's KMS grant names `AWSServiceRoleForAutoScaling` (Auto Scaling encrypts
the nodes' root volumes with the platform key), and on a fresh account that role does
not exist yet, so `CreateGrant` fails. `bootstrap --fix` creates it; `preflight` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .aws import Aws, AwsError, describe_error, error_code, is_fatal
from .report import Report, Status


@dataclass(frozen=True)
class ServiceLinkedRole:
    """A service-linked role: the service it belongs to and what of the platform needs it."""

    service: str
    role_name: str
    needed_by: str

    @property
    def create_command(self) -> str:
        return f"aws iam create-service-linked-role --aws-service-name {self.service}"


AUTOSCALING = ServiceLinkedRole(
    service="autoscaling.amazonaws.com",
    role_name="AWSServiceRoleForAutoScaling",
    needed_by="the training cluster's KMS grant for encrypted node volumes",
)
REQUIRED = (AUTOSCALING,)


def role_exists(aws: Aws, role: ServiceLinkedRole) -> bool:
    """Whether the role exists; ClientError/BotoCoreError when IAM cannot answer."""
    try:
        aws.client("iam").get_role(RoleName=role.role_name)
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return False
        raise
    return True


def _create(aws: Aws, role: ServiceLinkedRole) -> None:
    try:
        aws.client("iam").create_service_linked_role(AWSServiceName=role.service)
    except ClientError as exc:
        # Someone (or the service itself) created it since we looked: that is the goal.
        taken = error_code(exc) == "InvalidInput" and "taken" in str(exc)
        if error_code(exc) != "EntityAlreadyExists" and not taken:
            raise


def ensure_service_linked_roles(aws: Aws, report: Report, fix: bool) -> None:
    """bootstrap: report each required role; create the missing ones only with `fix`."""
    for role in REQUIRED:
        label = f"service-linked role {role.role_name}"
        try:
            if role_exists(aws, role):
                report.add(label, Status.OK, "exists")
            elif fix:
                _create(aws, role)
                report.add(label, Status.CREATED, f"for {role.needed_by}")
            else:
                report.add(
                    label,
                    Status.WARN,
                    f"missing; {role.needed_by} needs it: rerun with --fix to create it",
                )
        except (BotoCoreError, ClientError) as exc:
            if is_fatal(exc):
                raise AwsError(describe_error(exc, region=aws.region)) from None
            report.add(label, Status.WARN, f"cannot check: {describe_error(exc)}")


def check_service_linked_roles(aws: Aws, report: Report, training: bool) -> None:
    """preflight: fail with a one-line fix when a role the stack needs is missing."""
    if not training:
        report.add("service-linked roles", Status.SKIP, "no training cluster in this stack")
        return
    for role in REQUIRED:
        label = f"service-linked role {role.role_name}"
        try:
            exists = role_exists(aws, role)
        except (BotoCoreError, ClientError) as exc:
            if is_fatal(exc):
                raise AwsError(describe_error(exc, region=aws.region)) from None
            report.add(label, Status.FAIL, f"cannot check: {describe_error(exc)}")
            continue
        if exists:
            report.add(label, Status.PASS, f"exists ({role.needed_by})")
        else:
            report.add(
                label,
                Status.FAIL,
                f"missing ({role.needed_by} fails without it): run `{role.create_command}` "
                "or `mlops-platform bootstrap --bucket <state bucket> --fix`",
            )
