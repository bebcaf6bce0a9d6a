"""Pin a model package version on a stack's endpoints: the promotion a pull request carries.

The stack file is edited in place, byte for byte as it was except the pinned version:
ruamel.yaml's round-trip parser locates the `modelPackageVersion` value (or where the key
goes), and only those characters change, so comments, quoting, flow mappings and blank
lines survive. Before writing, the version must be Approved in the stack's model package
group (boto3), must already be pinned in the previous environment's stack file (dev ->
staging -> prod) unless forced, and the edited file must validate.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from components import Deployment
from components.model_registry import model_package_arn

from ..config import ConfigError, PlatformConfig, config_from_mapping, load_stack_file, strict_yaml
from ..config.environments import PROMOTION_ORDER
from .aws import Aws, AwsError, describe_error, error_code

VERSION_KEY = "modelPackageVersion"
SERVING_KEY = "mlops-platform:serving"
_SCALAR_END = re.compile(r"[^,}\]\s#]+")


class PromoteError(Exception):
    """A refused promotion: `str()` is the one line shown to the user."""


@dataclass(frozen=True)
class Target:
    """What to pin: the endpoints (indexes in serving.endpoints) and their model family."""

    family: str
    indexes: tuple[int, ...]


def resolve_target(config: PlatformConfig, name: str) -> Target:
    """An endpoint by name, or every endpoint serving a model family by the family's name."""
    endpoints = config.serving.endpoints
    named = [i for i, e in enumerate(endpoints) if e.name == name]
    if not named:
        named = [i for i, e in enumerate(endpoints) if e.model == name]
    if not named:
        known = ", ".join(e.name for e in endpoints) or "none"
        raise PromoteError(f"no endpoint or model family '{name}' (endpoints: {known})")
    families = {endpoints[i].model for i in named}
    if len(families) != 1:
        raise PromoteError(f"'{name}' names endpoints of several families: {sorted(families)}")
    for i in named:
        if endpoints[i].model_data_url is not None:
            raise PromoteError(
                f"serving.endpoints[{i}] ({endpoints[i].name}) pins an artifact "
                "(modelDataUrl + imageDigest): remove both to serve package versions"
            )
    return Target(family=families.pop(), indexes=tuple(named))


def previous_environment(environment: str) -> str | None:
    """The environment a version must have passed before this one (None for the first)."""
    index = PROMOTION_ORDER.index(environment)
    return PROMOTION_ORDER[index - 1] if index else None


def check_order(config: PlatformConfig, path: Path, family: str, version: int) -> None:
    """The version is pinned for `family` in a stack file of the previous environment."""
    previous = previous_environment(config.environment)
    if previous is None:
        return
    others = [p for p in sorted(path.parent.glob("Pulumi.*.yaml")) if p.resolve() != path.resolve()]
    candidates = []
    for other in others:
        loaded = load_stack_file(other)
        if loaded.environment != previous:
            continue
        candidates.append(other.name)
        pinned = {e.model_package_version for e in loaded.serving.endpoints if e.model == family}
        if version in pinned:
            return
    where = ", ".join(candidates) or f"no {previous} stack file next to {path.name}"
    raise PromoteError(
        f"{family} v{version} is not pinned in {previous} ({where}): promote it there first "
        f"({' -> '.join(PROMOTION_ORDER)}), or pass --force to skip {previous}"
    )


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def check_approved(aws: Aws, config: PlatformConfig, stack: str, family: str, version: int) -> str:
    """The ARN of the version in the stack's package group; refused unless it is Approved."""
    account = aws.caller_account()
    group = Deployment(stack=stack, environment=config.environment, region=config.region).name(
        family
    )
    arn = model_package_arn(_partition(config.region), config.region, account, group, version)
    try:
        package = aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
    except ClientError as exc:
        if error_code(exc) in ("ValidationException", "ResourceNotFound"):
            raise PromoteError(f"unknown model package version: {arn} does not exist") from None
        raise AwsError(describe_error(exc, region=aws.region)) from None
    except BotoCoreError as exc:
        raise AwsError(describe_error(exc, region=aws.region)) from None
    status = package.get("ModelApprovalStatus", "unknown")
    if status != "Approved":
        raise PromoteError(f"{arn} is {status}, not Approved: approve it in the registry first")
    return arn


def _endpoint_nodes(text: str, indexes: tuple[int, ...]) -> list[CommentedMap]:
    document = YAML(typ="rt").load(text)
    endpoints = document["config"][SERVING_KEY]["endpoints"]
    assert isinstance(endpoints, CommentedSeq)
    return [endpoints[i] for i in indexes]


def _offset(lines: list[str], line: int, column: int) -> int:
    return sum(len(x) for x in lines[:line]) + column


def _edit(text: str, node: CommentedMap, version: int) -> tuple[int, int, str]:
    """(start, end, replacement) in `text` that pins `version` on one endpoint mapping."""
    lines = text.splitlines(keepends=True)
    if VERSION_KEY in node:
        line, column = node.lc.value(VERSION_KEY)
        start = _offset(lines, line, column)
        match = _SCALAR_END.match(text, start)
        assert match is not None
        return start, match.end(), str(version)
    line, column = node.lc.value("image")
    if node.fa.flow_style():
        end = _SCALAR_END.match(text, _offset(lines, line, column))
        assert end is not None
        return end.end(), end.end(), f", {VERSION_KEY}: {version}"
    key_column = node.lc.key("image")[1]
    start = _offset(lines, line + 1, 0)
    return start, start, f"{' ' * key_column}{VERSION_KEY}: {version}\n"


def pin_version(text: str, indexes: tuple[int, ...], version: int) -> str:
    """`text` with serving.endpoints[i].modelPackageVersion = version for each index."""
    edits = sorted((_edit(text, n, version) for n in _endpoint_nodes(text, indexes)), reverse=True)
    for start, end, replacement in edits:
        text = text[:start] + replacement + text[end:]
    return text


def validate_text(text: str, path: Path) -> PlatformConfig:
    """The edited stack file, validated as the program would read it."""
    document: Any = strict_yaml.load(text)
    return config_from_mapping(document["config"], path.name, stack_path=path)


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.promote")
    temporary.write_bytes(text.encode("utf-8"))
    os.replace(temporary, path)


def promote(
    aws: Aws | None, stack: str, path: Path, name: str, version: int, force: bool = False
) -> tuple[Target, bool]:
    """Pin `version` for endpoint/family `name` in the stack file at `path`.

    Returns (what was pinned, whether the file changed). `aws` None skips the approval
    check (tests of the edit alone). Raises PromoteError, ConfigError or AwsError.
    """
    config = load_stack_file(path)
    target = resolve_target(config, name)
    if not force:
        check_order(config, path, target.family, version)
    if aws is not None:
        check_approved(aws, config, stack, target.family, version)
    original = path.read_bytes().decode("utf-8")
    edited = pin_version(original, target.indexes, version)
    try:
        validate_text(edited, path)
    except ConfigError as exc:
        raise PromoteError(f"the pinned stack file would be invalid: {exc}") from None
    if edited != original:
        write_atomically(path, edited)
    return target, edited != original
