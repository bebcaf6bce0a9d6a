"""The platform's policy rules, one module per service, registered in `registry`.

One definition, two runners: the pulumi-policy pack (`policy/pack.py`) during `pulumi preview`
and `pulumi up`, and `mlops-platform plan` offline (`infra/policy_check.py`). Both build from
`RULES`, the registered rules in the order of `RULE_MODULES`.

Modules: `core` (the resource model, UNKNOWN, value and policy-document helpers),
`registry` (`@rule` / `@stack_rule`, `evaluate`), `resource_types`, `suppressions`, and the
rules: `s3`, `kms`, `sagemaker`, `eks` (with EC2 launch templates), `delivery` (an in-VPC
deployer for a private cluster), `ecr`, `iam`, `tagging`,
`data_safety` (prod protection), `cost` (advisory allow-lists).

The package imports nothing beyond the standard library: the policy pack runs in its own
virtualenv with only pulumi-policy installed.
"""

from __future__ import annotations

from importlib import import_module

from .core import (
    ADVISORY,
    MANDATORY,
    UNKNOWN,
    Finding,
    Level,
    Resource,
    environment_from_tags,
    parse_policy,
    policy_documents,
)
from .cost import INSTANCE_ALLOW_LISTS, InstanceAllowList, split_instance_type
from .registry import REGISTRY, ResourceRule, Rule, StackRule, evaluate, rule, stack_rule
from .resource_types import STATEFUL_TYPES
from .suppressions import Suppression, apply_suppressions, suppressions_from_config

# The rule modules, each registering its rules on import, in the order of the pack's policies.
RULE_MODULES = (
    "s3",
    "kms",
    "sagemaker",
    "eks",
    "delivery",
    "ecr",
    "iam",
    "tagging",
    "data_safety",
    "cost",
)
for _module in RULE_MODULES:
    import_module(f".{_module}", __name__)


def _module_order(entry: Rule) -> int:
    return RULE_MODULES.index(entry.check.__module__.rsplit(".", 1)[-1])


# Module order first, then the order of definition within a module (the sort is stable).
RULES: tuple[Rule, ...] = tuple(sorted(REGISTRY.values(), key=_module_order))
RULES_BY_NAME: dict[str, Rule] = {entry.name: entry for entry in RULES}

__all__ = [
    "ADVISORY",
    "INSTANCE_ALLOW_LISTS",
    "MANDATORY",
    "REGISTRY",
    "RULES",
    "RULES_BY_NAME",
    "RULE_MODULES",
    "STATEFUL_TYPES",
    "UNKNOWN",
    "Finding",
    "InstanceAllowList",
    "Level",
    "Resource",
    "ResourceRule",
    "Rule",
    "StackRule",
    "Suppression",
    "apply_suppressions",
    "environment_from_tags",
    "evaluate",
    "parse_policy",
    "policy_documents",
    "rule",
    "split_instance_type",
    "stack_rule",
    "suppressions_from_config",
]
