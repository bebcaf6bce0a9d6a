"""Building blocks shared by every section of the stack-config schema."""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

# Rule violations found in model validators carry the key path they are about inside the
# message, so the one-line error can name `network.azCount` rather than just `network`.
_PATH_MARK = "\x1f"

Environment = Annotated[str, StringConstraints(pattern=r"^(dev|staging|prod)$")]

# Names become parts of AWS resource names (S3, SageMaker, EKS, ECR, IAM), so they follow
# the strictest common rule: lower-case DNS label, short enough to leave room for prefixes.
ResourceName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"),
]
AwsAccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
IamRoleArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$", max_length=2048
    ),
]


# Stand-in for a `secure:` value read offline, where the stack's secrets provider cannot
# decrypt it. Validators of fields that may hold secrets accept it as a valid value.
SECRET_PLACEHOLDER = "encrypted-secret"


class ConfigModel(BaseModel):
    """Base of every stack-config model: camelCase keys, unknown keys are errors."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        # pydantic reads `true` as 1 where a number is expected; in YAML that is a typo
        # (`max: yes`), never a count.
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                key = field.alias or name
                for given in (key, name):
                    value = data.get(given)
                    if isinstance(value, bool) and _is_number(field.annotation):
                        raise rule_error(key, f"expected a number, got {str(value).lower()}")
        return data


def _is_number(annotation: Any) -> bool:
    """Whether a field's type is a number (int or float, optionally None), not a bool."""
    if annotation in (int, float):
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_number(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return bool(args) and all(_is_number(a) for a in args)
    return False


def rule_error(path: str, message: str) -> ValueError:
    """A validation error about `path` (relative to the model raising it)."""
    return ValueError(f"{_PATH_MARK}{path}{_PATH_MARK}{message}")


def split_rule_error(message: str) -> tuple[str | None, str]:
    """Undo `rule_error`: (relative path or None, message)."""
    if message.count(_PATH_MARK) >= 2:
        _, path, rest = message.split(_PATH_MARK, 2)
        return path, rest
    return None, message


def check_unique_names(items: Iterable[Any], key: str) -> None:
    """Reject a list of named objects in which a name repeats: forks add items by name."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.name
        if name in seen:
            raise rule_error(
                f"{key}[{index}].name",
                f"duplicate name '{name}' (already used by {key}[{seen[name]}])",
            )
        seen[name] = index
