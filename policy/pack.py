"""The pulumi-policy policies, built from the rule registry (`policy/rules/`).

`build_policies()` only creates policy objects; `policy/__main__.py` hands them to
`PolicyPack`, which starts the analyzer's gRPC server and blocks, so tests import this module
and never `__main__`.

The Pulumi CLI starts the pack with the stack's config in the `PULUMI_CONFIG` environment
variable (a JSON object of `namespace:key` to value, objects as JSON text), as it does for a
program. From it the pack reads:
- `mlops-platform:policy` suppressions: a suppressed finding is not reported by its rule
  but by the advisory `suppressed-findings` policy, with its reason;
- `mlops-platform:environment`, the environment prod-only rules check against. The policy
  config (`--policy-pack-config`, key `environment`) overrides it; without either, the
  resources' `environment` tag (which the required-tags rule makes mandatory) decides.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from .rules import (
    MANDATORY,
    RULES,
    UNKNOWN,
    Resource,
    ResourceRule,
    Rule,
    StackRule,
    Suppression,
    apply_suppressions,
    environment_from_tags,
    evaluate,
    suppressions_from_config,
)
from .rules.suppressions import CONFIG_KEY, suppression_for

PACK_NAME = "mlops-platform-policies"
SUPPRESSED_POLICY = "suppressed-findings"
ENVIRONMENT_KEY = "mlops-platform:environment"

_UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)

CONFIG_SCHEMA = PolicyConfigSchema(
    properties={
        "environment": {
            "type": "string",
            "enum": ["dev", "staging", "prod"],
            "description": "Environment of the stack; default: the resources' environment tag.",
        }
    }
)


def plain(value: Any) -> Any:
    """The engine's property values with pulumi-policy's proxies removed and unknown
    values replaced by `rules.UNKNOWN`, so rules can look at values without raising."""
    target = _target(value)
    if isinstance(target, Mapping):
        return {str(k): plain(v) for k, v in target.items()}
    if isinstance(target, list | tuple):
        return [plain(v) for v in target]
    if isinstance(target, str) and target in _UNKNOWN_SENTINELS:
        return UNKNOWN
    return target


def _target(value: Any) -> Any:
    # pulumi-policy wraps dicts and lists in proxies that raise on unknown values; their
    # raw contents are reachable under the "__target" key.
    if type(value).__name__ in ("_DictProxy", "_ListProxy"):
        return value["__target"]
    return value


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    return Resource(
        type=args.resource_type,
        inputs=plain(args.props),
        urn=args.urn,
        name=args.name,
        protect=bool(args.opts.protect) if args.opts is not None else False,
    )


def resource_from_policy_resource(resource: PolicyResource) -> Resource:
    return Resource(
        type=resource.resource_type,
        inputs=plain(resource.props),
        urn=resource.urn,
        name=resource.name,
        protect=bool(resource.opts.protect) if resource.opts is not None else False,
        dependencies=tuple(d.urn for d in resource.dependencies),
        property_dependencies={
            key: tuple(d.urn for d in deps) for key, deps in resource.property_dependencies.items()
        },
    )


@dataclass(frozen=True)
class StackSettings:
    """What the pack takes from the stack's config."""

    environment: str | None = None
    suppressions: tuple[Suppression, ...] = field(default_factory=tuple)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StackSettings:
        """From stack config entries (`namespace:key` -> value or its JSON text)."""
        environment = config.get(ENVIRONMENT_KEY)
        if isinstance(environment, str) and environment.startswith('"'):
            environment = json.loads(environment)
        return cls(
            environment=environment if isinstance(environment, str) and environment else None,
            suppressions=tuple(suppressions_from_config(config.get(CONFIG_KEY))),
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> StackSettings:
        """From `PULUMI_CONFIG`, which the Pulumi CLI sets for the analyzer process."""
        try:
            config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        except ValueError:
            config = {}
        return cls.from_config(config if isinstance(config, dict) else {})

    def suppressed(self, policy: str, urn: str) -> bool:
        return suppression_for(self.suppressions, policy, urn) is not None


def _configured_environment(config: Mapping[str, Any], settings: StackSettings) -> str | None:
    value = config.get("environment") if config else None
    return value if isinstance(value, str) and value else settings.environment


def stack_environment(resources: list[Resource]) -> str | None:
    """The environment most of the stack's resources are tagged with."""
    counts = Counter(env for r in resources if (env := environment_from_tags(r)))
    return counts.most_common(1)[0][0] if counts else None


def _enforcement(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY


def resource_validation(
    rule: ResourceRule, settings: StackSettings
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type) or settings.suppressed(rule.name, args.urn):
            return
        resource = resource_from_args(args)
        environment = _configured_environment(args.get_config(), settings)
        for message in rule.evaluate(resource, environment or environment_from_tags(resource)):
            report_violation(message, None)

    return validate


def stack_validation(
    rule: StackRule, settings: StackSettings
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [resource_from_policy_resource(r) for r in args.resources]
        environment = _configured_environment(args.get_config(), settings)
        for urn, message in rule.evaluate(resources, environment or stack_environment(resources)):
            if not settings.suppressed(rule.name, urn):
                report_violation(message, urn)

    return validate


def suppressed_findings(
    settings: StackSettings, rules: Sequence[Rule] = RULES
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    """Report every suppressed finding once, with its reason, so a preview still shows it."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        if not settings.suppressions:
            return
        resources = [resource_from_policy_resource(r) for r in args.resources]
        environment = _configured_environment(args.get_config(), settings)
        findings = evaluate(resources, environment or stack_environment(resources), rules)
        for finding in apply_suppressions(findings, settings.suppressions)[1]:
            report_violation(
                f"{finding.level} {finding.policy} suppressed: {finding.message} "
                f"(reason: {finding.reason})",
                finding.urn,
            )

    return validate


def _policy(
    rule: Rule, settings: StackSettings
) -> ResourceValidationPolicy | StackValidationPolicy:
    if isinstance(rule, StackRule):
        return StackValidationPolicy(
            name=rule.name,
            description=rule.description,
            validate=stack_validation(rule, settings),
            enforcement_level=_enforcement(rule),
            config_schema=CONFIG_SCHEMA,
        )
    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=resource_validation(rule, settings),
        enforcement_level=_enforcement(rule),
        config_schema=CONFIG_SCHEMA,
    )


def build_policies(
    settings: StackSettings | None = None,
) -> list[Policy]:
    """One pulumi-policy policy per registered rule (same name, description and level),
    then the advisory `suppressed-findings` policy. `settings`: default from the
    environment the Pulumi CLI gives the pack (`StackSettings.from_environ`)."""
    settings = StackSettings.from_environ() if settings is None else settings
    policies: list[Policy] = [_policy(rule, settings) for rule in RULES]
    policies.append(
        StackValidationPolicy(
            name=SUPPRESSED_POLICY,
            description="Findings the stack file suppresses, each with its written reason.",
            validate=suppressed_findings(settings),
            enforcement_level=EnforcementLevel.ADVISORY,
            config_schema=CONFIG_SCHEMA,
        )
    )
    return policies
