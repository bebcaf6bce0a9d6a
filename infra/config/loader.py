"""Reading stack files and Pulumi config into a validated `PlatformConfig`."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from . import strict_yaml
from .base import SECRET_PLACEHOLDER, split_rule_error
from .network import NetworkConfig
from .provider_keys import known_provider_key
from .schema import PlatformConfig

PROJECT = "mlops-platform"
REPO_ROOT = Path(__file__).resolve().parents[2]
STACKS_DIR = REPO_ROOT / "stacks"

_DEFAULT_CIDR = NetworkConfig.model_fields["cidr"].default
# Top-level keys Pulumi itself writes into stack files.
_STACK_FILE_KEYS = {"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}
# Config namespaces of the providers the program uses; their keys are theirs to check.
_PROVIDER_NAMESPACES = {"aws", "kubernetes", "pulumi"}


class ConfigError(Exception):
    """An invalid stack file: `str()` is the single line shown to the user."""

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.source = source
        self.path = path
        self.problem = problem
        where = f"{source}: {path}" if path else source
        super().__init__(one_line(f"{where}: {problem}"))


def one_line(text: str, limit: int = 400) -> str:
    """`text` as one line of at most `limit` characters: whitespace and control characters
    (from values quoted back to the user) never break the one-line contract."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def stack_file_path(stack: str) -> Path:
    """The stack file of a shipped or forked stack."""
    return STACKS_DIR / f"Pulumi.{stack}.yaml"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_stack_file(path: str | Path) -> tuple[str, dict[str, Any]]:
    """(display name, `config:` entries) of a stack file. Raises ConfigError."""
    path = Path(path)
    source = _display(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(source, "", f"cannot read file ({exc.strerror})") from None
    try:
        document = strict_yaml.load(strict_yaml.decode(data))
    except strict_yaml.StackYamlError as exc:
        raise ConfigError(source, "", str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(source, "", f"invalid YAML: {where}{problem}") from None
    if not isinstance(document, dict):
        raise ConfigError(source, "", "expected a mapping with a 'config:' key")
    for key in document:
        if key not in _STACK_FILE_KEYS:
            raise ConfigError(source, str(key), "unknown top-level key of a Pulumi stack file")
    entries = document.get("config")
    if not isinstance(entries, dict):
        raise ConfigError(source, "config", "expected a mapping of config keys")
    return source, entries


def load_stack_file(path: str | Path, *, today: date | None = None) -> PlatformConfig:
    """Validate a stack file. Raises ConfigError with a one-line message."""
    source, entries = read_stack_file(path)
    return config_from_mapping(entries, source, today=today, stack_path=Path(path))


def _empty_value(value: Any, path: str) -> str | None:
    """Key path of the first `key:` with nothing after it inside `value`, if any."""
    if value is None:
        return path
    if isinstance(value, dict):
        items: Any = ((f"{path}.{key}", item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return None
    for where, item in items:
        found = _empty_value(item, where)
        if found is not None:
            return found
    return None


def _shipped_cidr(path: Path) -> ipaddress.IPv4Network | None:
    """The VPC range a shipped stack file creates (None: existing VPC or unreadable)."""
    try:
        _, entries = read_stack_file(path)
        network = entries.get(f"{PROJECT}:network") or {}
        if not isinstance(network, dict) or "existingVpc" in network:
            return None
        return ipaddress.IPv4Network(network.get("cidr", _DEFAULT_CIDR))
    except (ConfigError, ValueError, TypeError):
        return None


def shipped_cidrs() -> dict[str, ipaddress.IPv4Network]:
    """Stack name -> VPC range of every shipped stack that creates its VPC."""
    found = {}
    for path in sorted(STACKS_DIR.glob("Pulumi.*.yaml")):
        cidr = _shipped_cidr(path)
        if cidr is not None:
            found[path.name[len("Pulumi.") : -len(".yaml")]] = cidr
    return found


def free_cidr() -> ipaddress.IPv4Network:
    """The first 10.N.0.0/16 (N >= 1) no shipped stack uses, for a new stack."""
    taken = list(shipped_cidrs().values())
    for second in range(1, 256):
        candidate = ipaddress.IPv4Network(f"10.{second}.0.0/16")
        if not any(candidate.overlaps(other) for other in taken):
            return candidate
    raise ValueError("every 10.N.0.0/16 is taken by a shipped stack")


def check_shipped_cidrs(config: PlatformConfig, source: str, path: Path) -> None:
    """Refuse a VPC range overlapping another shipped stack's: peering or a transit gateway
    between the two would be impossible, and a fork that copied a file forgot to change it.
    The shipped file of the same stack (same file name) is the one being edited."""
    # Only stacks that ship (files in stacks/) are held to it; a scratch copy elsewhere
    # planned with --config is not deployed next to them.
    if config.network.existing_vpc is not None or path.resolve().parent != STACKS_DIR.resolve():
        return
    cidr = config.network.cidr
    for stack, theirs in shipped_cidrs().items():
        if f"Pulumi.{stack}.yaml" != path.name and cidr.overlaps(theirs):
            raise ConfigError(
                source,
                "network.cidr",
                f"{cidr} overlaps stack '{stack}' ({theirs}); give each stack its own range",
            )


def has_secret(value: Any) -> bool:
    """Whether a stack-file value holds a `secure:` entry at any depth."""
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(has_secret(v) for v in value)
    return False


def without_secrets(value: Any) -> Any:
    """`value` with every `secure:` entry replaced by a placeholder (not decryptable here)."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def config_from_mapping(
    entries: Mapping[str, Any],
    source: str,
    secret_keys: Collection[str] = (),
    *,
    today: date | None = None,
    stack_path: Path | None = None,
) -> PlatformConfig:
    """Validate Pulumi config entries (`namespace:key` -> value) from `source`.

    `secret_keys` are the entries Pulumi holds as secrets (decrypted in `entries`); an entry
    with a `secure:` value anywhere inside is one too. The config remembers which sections
    were secret, so the program passes their values to resources as secrets. `today` is the
    day Kubernetes support dates are judged on (default: today). With `stack_path`, the
    VPC range may not overlap another shipped stack's.
    """
    raw: dict[str, Any] = {}
    secret_sections: set[str] = set()
    for full_key, value in entries.items():
        namespace, _, key = str(full_key).rpartition(":")
        if namespace in ("", PROJECT):
            if value is None:
                raise ConfigError(
                    source, str(full_key), "empty section: give it settings or remove the key"
                )
            # `key:` with nothing after it reads as null, which silently means "default".
            empty = _empty_value(value, key)
            if empty is not None:
                raise ConfigError(source, empty, "empty value: give it a value or remove the key")
            if full_key in secret_keys or has_secret(value):
                secret_sections.add(key)
            raw[key] = without_secrets(value)
        elif full_key == "aws:region":
            raw["region"] = value
        elif namespace not in _PROVIDER_NAMESPACES:
            raise ConfigError(
                source,
                str(full_key),
                f"unknown config namespace '{namespace}' (typo of {PROJECT}?)",
            )
        elif known_provider_key(str(full_key)) is False:
            # Pulumi ignores a provider key it does not know: a typo would go unnoticed.
            raise ConfigError(source, str(full_key), f"unknown {namespace} provider setting")
        elif value is None:
            # `aws:profile:` with nothing after it reads as unset: the provider's default wins.
            raise ConfigError(
                source, str(full_key), "empty value: give it a value or remove the key"
            )
    if "region" not in raw:
        raise ConfigError(source, "aws:region", "missing: every stack must set its AWS region")
    try:
        config = PlatformConfig.model_validate(raw, context={"today": today})
    except ValidationError as exc:
        raise _as_config_error(exc, source) from None
    config._secret_sections = frozenset(secret_sections)
    if stack_path is not None:
        check_shipped_cidrs(config, source, stack_path)
    return config


def config_from_pulumi() -> PlatformConfig:
    """Validate the running stack's config (inside `pulumi up` or the offline plan)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    entries: dict[str, Any] = {}
    # The engine hands a program its config through PULUMI_CONFIG; set_all_config (mocks)
    # through the context variable.
    every_key = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    for key, value in every_key.items():
        try:
            entries[key] = json.loads(value)
        except (TypeError, ValueError):
            entries[key] = value
    secret_keys = {
        *runtime_config.get_config_secret_keys_env(),
        *(key for key in entries if runtime_config.is_config_secret(key)),
    }
    source = _display(stack_file_path(pulumi.get_stack()))
    return config_from_mapping(entries, source, secret_keys)


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, str) and len(part) > 40:
            part = part[:37] + "..."
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part).startswith("["):
            text += str(part)
        else:
            text += f".{part}" if text else str(part)
    return text


def _as_config_error(exc: ValidationError, source: str) -> ConfigError:
    error = exc.errors(include_url=False)[0]
    loc = list(error["loc"])
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    relative, message = split_rule_error(message)
    if relative:
        loc.extend(p for p in relative.replace("[", ".[").split(".") if p)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key is missing"
    elif kind not in ("value_error", "assertion_error") and "input" in error:
        shown = json.dumps(error["input"], default=str)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        message = f"{message} (got {shown})"
    path = _format_loc(tuple(loc))
    if path == "region":
        path = "aws:region"
    more = exc.error_count() - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ConfigError(source, path, message)


def config_from_pulumi_or_exit() -> PlatformConfig:
    """`config_from_pulumi` for the program: a bad stack file stops it with one line."""
    import sys

    try:
        return config_from_pulumi()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
