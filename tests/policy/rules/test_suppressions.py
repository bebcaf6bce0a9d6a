"""Suppressions: which findings a stack-file entry silences, in the pack and the plan."""

from __future__ import annotations

import json

import pytest

from policy.rules import Finding, Suppression, apply_suppressions, suppressions_from_config

REASON = "Accepted until the fork scopes the deploy role (ticket 42)."
URN = (
    "urn:pulumi:fork::mlops-platform::mlops:ci:CiAccess$"
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-access-deploy-managed-0"
)


@pytest.mark.parametrize(
    ("resource", "matches"),
    [
        ("ci-access-deploy-managed-0", True),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment::ci-access-deploy-managed-0", True),
        (URN.split("::", 2)[2], True),
        (URN, True),
        ("managed-0", False),  # a name is matched whole, never a fragment of another name
        ("ci-access-deploy-managed", False),
        ("aws:iam/role:Role::ci-access-deploy-managed-0", False),
    ],
)
def test_a_suppression_names_a_resource_by_name_or_urn_suffix(resource: str, matches: bool) -> None:
    suppression = Suppression("iam-no-full-access-managed-policies", resource, REASON)
    assert suppression.matches("iam-no-full-access-managed-policies", URN) is matches
    assert suppression.matches("iam-no-wildcard-admin", URN) is False


def test_apply_keeps_other_findings_and_carries_the_reason() -> None:
    findings = [
        Finding("iam-no-full-access-managed-policies", "mandatory", URN, "attaches X"),
        Finding("iam-no-wildcard-admin", "mandatory", URN, "allows *"),
    ]
    suppression = Suppression("iam-no-full-access-managed-policies", "ci-access-deploy-managed-0",
                              REASON)  # fmt: skip
    standing, suppressed = apply_suppressions(findings, [suppression])
    assert standing == [findings[1]]
    assert [f.as_dict() for f in suppressed] == [{**findings[0].as_dict(), "reason": REASON}]


def test_the_config_value_parses_as_the_pack_receives_it() -> None:
    value = {
        "suppressions": [
            {"rule": "kms-key-rotation", "resource": "key", "reason": REASON},
            {"rule": "kms-key-rotation", "resource": "other", "reason": "too short"},
            {"rule": "kms-key-rotation", "reason": REASON},
            "not an entry",
        ]
    }
    expected = [Suppression("kms-key-rotation", "key", REASON)]
    assert suppressions_from_config(value) == expected
    assert suppressions_from_config(json.dumps(value)) == expected
    assert suppressions_from_config(None) == suppressions_from_config("{not json") == []
