"""Service-linked roles the first `pulumi up` refers to before any AWS service made them.

AWS creates a service-linked role the first time a service is used in an account. The
training cluster's KMS grant names `AWSServiceRoleForAutoScaling` (Auto Scaling encrypts
the nodes' root volumes with the platform key), and on a fresh account that role does
not exist yet, so `CreateGrant` fails. `bootstrap` reads it with its other checks, before
any write, and `--fix` then creates it; `preflight` checks it.
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


@dataclass(frozen=True)
class RoleState:
    """What bootstrap's read phase found for one required role."""

    role: ServiceLinkedRole
    exists: bool | None  # None: IAM did not answer
    problem: str = ""

    @property
    def label(self) -> str:
        return f"service-linked role {self.role.role_name}"


def read_service_linked_roles(aws: Aws) -> list[RoleState]:
    """bootstrap's read phase: whether each required role exists. Reads only."""
    states = []
    for role in REQUIRED:
        try:
            states.append(RoleState(role, role_exists(aws, role)))
        except (BotoCoreError, ClientError) as exc:
            if is_fatal(exc):
                raise AwsError(describe_error(exc, region=aws.region)) from None
            states.append(RoleState(role, None, describe_error(exc)))
    return states


def report_service_linked_roles(states: list[RoleState], report: Report, fix: bool) -> None:
    """Rows for the roles that exist, and (without `fix`) for what --fix would create.

    With `fix`, a role IAM did not answer for stops bootstrap before its first write: it
    cannot tell whether to create the role, and half a bootstrap is worse than none."""
    for state in states:
        role = state.role
        if state.exists is None:
            if fix:
                raise AwsError(f"cannot check {state.label}: {state.problem}; nothing was changed")
            report.add(state.label, Status.WARN, f"cannot check: {state.problem}")
        elif state.exists:
            report.add(state.label, Status.OK, "exists")
        elif not fix:
            report.add(
                state.label,
                Status.WARN,
                f"missing; {role.needed_by} needs it: rerun with --fix to create it",
            )


def create_missing_roles(aws: Aws, states: list[RoleState], report: Report) -> None:
    """bootstrap's write phase for roles: create each one the read phase found missing."""
    for state in states:
        if state.exists is False:
            _create(aws, state.role)
            report.add(state.label, Status.CREATED, f"for {state.role.needed_by}")


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
