"""Refuse feature-group schema changes that SageMaker can only apply by replacement.

A feature group's record identifier, event time, feature definitions and store settings
are ForceNew upstream (`infra/data/replacements.json`): changing one in a stack file makes
`pulumi up` delete the group, with its online records and its offline-store table, and
create an empty one. The offline plan cannot see what is deployed, so it compares with a
base: the plan of the branch that is deployed (`plan STACK --base base.json`, where
`base.json` came from `plan STACK --json` on that branch). A group that only exists on one
side is an addition or a deliberate removal and is not refused here; `diff` reports
removals as data loss.
"""

from __future__ import annotations

from .config import ConfigError
from .plan import Plan
from .plan_diff import Side, diff_plans

FEATURE_GROUP = "aws:sagemaker/featureGroup:FeatureGroup"
# Provider input -> the stack-file key of a feature group that sets it.
CONFIG_KEYS = {
    "featureDefinitions": "features",
    "recordIdentifierFeatureName": "recordIdentifier",
    "eventTimeFeatureName": "eventTime",
    "description": "description",
    "onlineStoreConfig": "onlineStore",
    "offlineStoreConfig": "offlineStore",
    "featureGroupName": "name",
}
MIGRATION = 'README "Feature-group migration"'


def _group_index(plan: Plan, resource_name: str) -> tuple[int, str] | None:
    """(index, name) of the configured feature group a resource is named after."""
    groups = plan.config.feature_store.feature_groups
    matches = [(i, g.name) for i, g in enumerate(groups) if resource_name.endswith(f"-{g.name}")]
    # `profile` and `customer-profile` both end a `...-customer-profile` name: the longer wins.
    return max(matches, key=lambda match: len(match[1]), default=None)


def check_feature_groups(base: Side, plan: Plan) -> None:
    """Raise ConfigError (one line) when a feature group on both sides changes an input that
    replaces it."""
    source = plan.source
    diff = diff_plans(base, Side(source, plan.document()))
    for change in diff.changed:
        if change.type != FEATURE_GROUP:
            continue
        # An input the table does not know may replace too: refuse it rather than guess.
        inputs = [*change.replaces, *change.unknown]
        if not inputs:
            continue
        found = _group_index(plan, change.name)
        index, name = found if found else (None, change.name)
        path = "featureStore.featureGroups" + (f"[{index}]" if index is not None else "")
        keys = {CONFIG_KEYS[i] for i in inputs if i in CONFIG_KEYS}
        if len(keys) == 1:
            path += f".{keys.pop()}"
        raise ConfigError(
            source,
            path,
            f"changes {', '.join(inputs)} of deployed feature group '{name}': SageMaker "
            f"replaces the group and deletes its records; add a new group instead ({MIGRATION})",
        )


def check_against_base(spec: str, plan: Plan) -> None:
    """`check_feature_groups` against a base given as a plan JSON, stack file or stack."""
    from .plan_diff import DiffInputError, load_side

    try:
        base = load_side(spec, plan.stack)
    except DiffInputError as exc:
        problem = str(exc).removeprefix(f"{spec}: ")
        raise ConfigError(spec, "", f"cannot read the base plan: {problem}") from None
    check_feature_groups(base, plan)


__all__ = ["check_against_base", "check_feature_groups"]
