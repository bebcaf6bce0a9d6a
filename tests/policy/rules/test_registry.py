"""The registry: every rule registered once, with a level, types and a description, and
tested by its service's test module with a passing and a failing resource."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from policy.rules import (
    ADVISORY,
    MANDATORY,
    REGISTRY,
    RULE_MODULES,
    RULES,
    RULES_BY_NAME,
    UNKNOWN,
    Resource,
    ResourceRule,
    StackRule,
    evaluate,
    registry,
)

RULES_DIR = Path(__file__).resolve().parents[3] / "policy" / "rules"


def _cases_by_module() -> dict[str, list]:
    return {
        module: importlib.import_module(f"tests.policy.rules.test_{module}").CASES
        for module in RULE_MODULES
    }


def test_every_rule_has_a_passing_and_a_failing_case_in_its_modules_tests() -> None:
    for module, cases in _cases_by_module().items():
        own = {r.name for r in RULES if r.check.__module__ == f"policy.rules.{module}"}
        assert own, f"policy/rules/{module}.py registers no rule"
        assert {c.rule for c in cases if c.expect is None} == own, module
        assert {c.rule for c in cases if c.expect is not None} == own, module


def test_every_rule_module_is_loaded_and_every_rule_registered() -> None:
    on_disk = {p.stem for p in RULES_DIR.glob("*.py")}
    infrastructure = {"__init__", "core", "registry", "resource_types", "suppressions"}
    assert on_disk - infrastructure == set(RULE_MODULES)
    assert list(RULES_BY_NAME) == [r.name for r in RULES]
    assert set(REGISTRY) == set(RULES_BY_NAME) and len(RULES) == len(REGISTRY)


def test_levels_types_and_descriptions() -> None:
    advisory = {r.name for r in RULES if r.level == ADVISORY}
    assert advisory == {"instance-type-allow-list", "dev-log-retention"}
    assert all(r.level == MANDATORY for r in RULES if r.name not in advisory)
    for entry in RULES:
        assert entry.description and "\n" not in entry.description, entry.name
    kms = RULES_BY_NAME["kms-key-rotation"]
    assert isinstance(kms, ResourceRule) and kms.types == frozenset({"aws:kms/key:Key"})
    assert isinstance(RULES_BY_NAME["s3-tls-only"], StackRule)


def test_the_decorator_registers_name_level_types_and_docstring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "REGISTRY", {})

    @registry.rule(name="t-rule", level=ADVISORY, types={"aws:x/y:Y"})
    def check(r: Resource, environment: str | None):
        """Resources of type Y are never fine.

        (Only the first line is the description.)
        """
        yield "not fine"

    entry = registry.REGISTRY["t-rule"]
    assert (entry.level, entry.types, entry.description) == (
        ADVISORY,
        frozenset({"aws:x/y:Y"}),
        "Resources of type Y are never fine.",
    )
    findings = registry.evaluate([Resource("aws:x/y:Y", {}, "u1"), Resource("aws:z:Z", {}, "u2")],
                                 "dev")  # fmt: skip
    assert [(f.policy, f.urn, f.message) for f in findings] == [("t-rule", "u1", "not fine")]
    with pytest.raises(ValueError, match="registered twice"):
        registry.rule(name="t-rule", level=ADVISORY)(check)
    with pytest.raises(ValueError, match="one-line description"):
        registry.rule(name="t-undocumented", level=ADVISORY)(lambda r, e: iter(()))
    with pytest.raises(ValueError, match="unknown level"):
        registry.stack_rule(name="t-level", level="fatal", description="x")(lambda rs, e: ())


def test_unknown_values_never_fail_a_rule() -> None:
    """During preview, values computed by the cloud are unknown: a rule cannot prove a
    violation and must stay silent (`pulumi up` checks again with the values known)."""
    unknown = [
        Resource(
            "aws:kms/key:Key", {"enableKeyRotation": UNKNOWN, "tags": UNKNOWN}, "u1", protect=True
        ),
        Resource("aws:iam/policy:Policy", {"policy": UNKNOWN, "tags": UNKNOWN}, "u2"),
        Resource(
            "aws:iam/rolePolicy:RolePolicy",
            {"policy": '{"Statement": [{"Effect": "Allow", "Action": "iam:PassRole"}]}'},
            "u5",
        ),
        Resource(
            "aws:eks/cluster:Cluster",
            {
                "encryptionConfig": UNKNOWN,
                "enabledClusterLogTypes": UNKNOWN,
                "vpcConfig": {"endpointPublicAccess": UNKNOWN},
                "tags": UNKNOWN,
            },
            "u3",
            protect=True,
        ),
        Resource("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b", "policy": UNKNOWN}, "u4"),
    ]
    mandatory = [f for f in evaluate(unknown, "prod") if f.level == MANDATORY]
    assert mandatory == []


STDLIB = {"__future__", "json", "re", "collections", "dataclasses", "typing", "importlib"}


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_rule_modules_import_only_the_standard_library(path: Path) -> None:
    """The pack's virtualenv has pulumi and pulumi-policy only."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    # The catalog is the one project module allowed: stdlib-only data (tests/catalog).
    assert imported - {"components"} <= STDLIB
    assert all(
        node.module == "components.catalog"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("components")
    )
