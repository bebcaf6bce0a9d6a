"""KMS: symmetric keys rotate; asymmetric keys (which AWS cannot rotate) pass."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pytest

from ..synth import TAGS, Case, case_id, check_case


def kms_key(**kwargs) -> Callable[[], None]:
    return lambda: aws.kms.Key("key", tags=TAGS, **kwargs)


CASES = [
    Case("kms-key-rotation", "dev", kms_key(enable_key_rotation=True)),
    Case(
        "kms-key-rotation",
        "dev",
        kms_key(customer_master_key_spec="RSA_2048", key_usage="SIGN_VERIFY"),
    ),
    Case("kms-key-rotation", "dev", kms_key(), "enableKeyRotation", "key"),
    Case("kms-key-rotation", "dev", kms_key(enable_key_rotation=False), "enableKeyRotation"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)
