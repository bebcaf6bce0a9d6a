"""boto3 sessions and clients with one retry policy, and one-line error messages.

The commands share these so that a throttled call is retried the same way everywhere
(botocore's own backoff, not a hand-written loop), `AWS_ENDPOINT_URL` reaches every client
(an S3-compatible endpoint or a local moto server), and a missing credential, a denied
call or a wrong region ends the command with one readable line instead of a traceback.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any, Literal

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

RetryMode = Literal["standard", "adaptive"]
RETRY_MODES: tuple[RetryMode, ...] = ("standard", "adaptive")
DEFAULT_MAX_ATTEMPTS = 8

_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
    }
)
_ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "Forbidden",
    }
)
_BAD_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidToken",
        "AuthFailure",
    }
)
_WRONG_REGION_CODES = frozenset(
    {
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
        "InvalidLocationConstraint",
        "301",
    }
)


class AwsError(Exception):
    """An AWS failure that ends a command: `str()` is the one line shown to the user."""


@dataclass(frozen=True)
class AwsOptions:
    """How to reach AWS.

    Args:
        region: Region for every client; None uses the profile/environment default.
        profile: Named profile from the shared AWS config; None uses the default chain.
        retry_mode: botocore retry mode, "standard" or "adaptive" (client-side rate limiting).
        max_attempts: Attempts per call including the first, with exponential backoff.
    """

    region: str | None = None
    profile: str | None = None
    retry_mode: RetryMode = "standard"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    @classmethod
    def from_args(cls, args: argparse.Namespace, region: str | None = None) -> AwsOptions:
        """Options from `add_aws_arguments` flags; `region` is the fallback region."""
        return cls(
            region=getattr(args, "region", None) or region,
            profile=getattr(args, "profile", None),
            retry_mode=getattr(args, "retry_mode", None) or _env_retry_mode(),
            max_attempts=getattr(args, "max_attempts", None) or _env_max_attempts(),
        )


def _env_retry_mode() -> RetryMode:
    mode = os.environ.get("AWS_RETRY_MODE", "standard")
    return next((m for m in RETRY_MODES if m == mode), "standard")


def _env_max_attempts() -> int:
    try:
        return max(1, int(os.environ.get("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))
    except ValueError:
        return DEFAULT_MAX_ATTEMPTS


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_aws_arguments(parser: argparse.ArgumentParser, region_help: str) -> None:
    """The flags every AWS-calling command accepts."""
    group = parser.add_argument_group("AWS access")
    group.add_argument("--region", help=region_help)
    group.add_argument("--profile", help="named profile from the shared AWS config")
    group.add_argument(
        "--retry-mode",
        choices=RETRY_MODES,
        help="botocore retry mode (default: $AWS_RETRY_MODE or standard)",
    )
    group.add_argument(
        "--max-attempts",
        type=_positive_int,
        metavar="N",
        help=f"attempts per AWS call, with backoff (default: $AWS_MAX_ATTEMPTS or "
        f"{DEFAULT_MAX_ATTEMPTS})",
    )


def endpoint_override(service_env: str = "") -> str | None:
    """The endpoint botocore will use instead of AWS's, when configured.

    botocore itself reads `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` (the latter
    wins); this is only for messages and for the `pulumi login` URL.
    """
    specific = os.environ.get(f"AWS_ENDPOINT_URL_{service_env}") if service_env else None
    return specific or os.environ.get("AWS_ENDPOINT_URL") or None


def default_region(session: boto3.Session) -> str | None:
    """The caller's region: AWS_REGION (read by the AWS CLI v2 and Pulumi, not by boto3),
    then AWS_DEFAULT_REGION or the profile's region."""
    return os.environ.get("AWS_REGION") or session.region_name or None


class Aws:
    """A boto3 session plus a client factory sharing one botocore `Config`."""

    def __init__(self, options: AwsOptions) -> None:
        self.options = options
        try:
            self.session = boto3.Session(profile_name=options.profile, region_name=options.region)
        except BotoCoreError as exc:
            raise AwsError(describe_error(exc)) from None
        region = options.region or default_region(self.session)
        if not region:
            raise AwsError(describe_error(NoRegionError()))
        self.region: str = region
        # S3-compatible stores (and moto on an IP address) rarely serve virtual-host
        # style bucket addresses.
        path_style = bool(endpoint_override("S3"))
        self.config = Config(
            region_name=region,
            # total_max_attempts counts the first call, as AWS_MAX_ATTEMPTS does;
            # botocore's max_attempts would count retries only.
            retries={"mode": options.retry_mode, "total_max_attempts": options.max_attempts},
            s3={"addressing_style": "path"} if path_style else None,
            user_agent_extra="mlops-platform",
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        """A cached client for `service` with the shared retry policy and endpoint."""
        if service not in self._clients:
            try:
                # boto3-stubs types a client per literal service name; this factory serves any.
                client = self.session.client(service, config=self.config)  # type: ignore[call-overload]
                self._clients[service] = client
            except BotoCoreError as exc:
                raise AwsError(describe_error(exc, region=self.region)) from None
        return self._clients[service]

    def s3_endpoint_url(self) -> str | None:
        """The S3 endpoint when it is not AWS's (an S3-compatible store), else None."""
        return self.client("s3").meta.endpoint_url if endpoint_override("S3") else None

    def caller_account(self) -> str:
        """The account id of the caller; the first call, so credential problems show here."""
        try:
            return str(self.client("sts").get_caller_identity()["Account"])
        except (BotoCoreError, ClientError) as exc:
            raise AwsError(describe_error(exc, region=self.region)) from None


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ("" for anything else)."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_fatal(exc: BaseException) -> bool:
    """Failures that make every further call pointless: credentials, region, endpoint."""
    if isinstance(exc, ClientError):
        return error_code(exc) in _BAD_CREDENTIAL_CODES
    return isinstance(
        exc,
        NoCredentialsError
        | PartialCredentialsError
        | ProfileNotFound
        | NoRegionError
        | EndpointConnectionError
        | SSOError
        | TokenRetrievalError,
    )


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1]) if text.strip() else ""


def describe_error(exc: BaseException, region: str | None = None) -> str:
    """One line saying what went wrong with an AWS call and what to do about it."""
    if isinstance(exc, NoCredentialsError):
        return (
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), export "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        )
    if isinstance(exc, PartialCredentialsError):
        return f"incomplete AWS credentials: {_first_line(str(exc))}"
    if isinstance(exc, ProfileNotFound):
        return f"{_first_line(str(exc))}: check --profile / AWS_PROFILE against ~/.aws/config"
    if isinstance(exc, SSOError | TokenRetrievalError):
        return f"AWS SSO session unusable ({_first_line(str(exc))}): run `aws sso login`"
    if isinstance(exc, NoRegionError):
        return "no AWS region configured: pass --region or set AWS_REGION"
    if isinstance(exc, EndpointConnectionError):
        where = exc.kwargs.get("endpoint_url", "the AWS endpoint")
        hint = (
            "check AWS_ENDPOINT_URL"
            if endpoint_override()
            else f"check that region '{region}' exists and the network allows HTTPS to AWS"
        )
        return f"cannot reach {where}: {hint}"
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return f"AWS did not answer in time ({_first_line(str(exc))}); check the network"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        operation = exc.operation_name
        message = _first_line(str(exc.response.get("Error", {}).get("Message", ""))) or code
        if code in _BAD_CREDENTIAL_CODES:
            return (
                f"AWS rejected the credentials ({code}) on {operation}: they are invalid or "
                "expired; refresh them (e.g. `aws sso login`) and retry"
            )
        if code in _ACCESS_DENIED_CODES:
            return (
                f"access denied on {operation}: the caller lacks permission ({message}); "
                "grant it in IAM or use a role that has it"
            )
        if code in _THROTTLING_CODES:
            attempts = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
            return (
                f"AWS throttled {operation} ({code}) and {attempts} attempt(s) with backoff "
                "did not get through; wait a minute and rerun, or raise --max-attempts / "
                "use --retry-mode adaptive"
            )
        if code in _WRONG_REGION_CODES:
            headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            actual = headers.get("x-amz-bucket-region") or exc.response.get("Error", {}).get(
                "Region"
            )
            there = f" (it is in {actual})" if actual else ""
            return (
                f"wrong region for {operation}: the resource is not in {region}{there}; "
                "rerun with the matching --region"
            )
        return f"{operation} failed: {code}: {message}"
    if isinstance(exc, BotoCoreError):
        return _first_line(str(exc)) or type(exc).__name__
    return _first_line(str(exc)) or type(exc).__name__
