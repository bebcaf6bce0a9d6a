"""The pulumi-policy policies, built from the rules in `policy/rules.py`.

`build_policies()` only creates policy objects; `policy/__main__.py` hands them to
`PolicyPack`, which starts the analyzer's gRPC server and blocks, so tests import this module
and never `__main__`.

The environment a rule checks against (prod-only rules) comes from the policy config
(`--policy-pack-config`, key `environment`) when given, else from the resource's
`environment` tag, which the required-tags rule makes mandatory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
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
    environment_from_tags,
)

PACK_NAME = "mlops-platform-policies"

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


def _configured_environment(config: Mapping[str, Any]) -> str | None:
    value = config.get("environment") if config else None
    return value if isinstance(value, str) and value else None


def stack_environment(resources: list[Resource]) -> str | None:
    """The environment most of the stack's resources are tagged with."""
    counts = Counter(env for r in resources if (env := environment_from_tags(r)))
    return counts.most_common(1)[0][0] if counts else None


def _enforcement(rule: Rule) -> EnforcementLevel:
    return EnforcementLevel.MANDATORY if rule.level == MANDATORY else EnforcementLevel.ADVISORY


def resource_validation(
    rule: ResourceRule,
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if not rule.applies_to(args.resource_type):
            return
        resource = resource_from_args(args)
        environment = _configured_environment(args.get_config()) or environment_from_tags(resource)
        for message in rule.evaluate(resource, environment):
            report_violation(message, None)

    return validate


def stack_validation(rule: StackRule) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [resource_from_policy_resource(r) for r in args.resources]
        environment = _configured_environment(args.get_config()) or stack_environment(resources)
        for urn, message in rule.evaluate(resources, environment):
            report_violation(message, urn)

    return validate


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """One pulumi-policy policy per rule, same name, description and level."""
    policies: list[ResourceValidationPolicy | StackValidationPolicy] = []
    for rule in RULES:
        if isinstance(rule, StackRule):
            policies.append(
                StackValidationPolicy(
                    name=rule.name,
                    description=rule.description,
                    validate=stack_validation(rule),
                    enforcement_level=_enforcement(rule),
                    config_schema=CONFIG_SCHEMA,
                )
            )
        else:
            policies.append(
                ResourceValidationPolicy(
                    name=rule.name,
                    description=rule.description,
                    validate=resource_validation(rule),
                    enforcement_level=_enforcement(rule),
                    config_schema=CONFIG_SCHEMA,
                )
            )
    return policies
