"""ECR: scan on push and immutable tags."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pytest

from ..synth import TAGS, Case, case_id, check_case


def ecr_repository(scan: bool = True, mutability: str = "IMMUTABLE") -> Callable[[], None]:
    return lambda: aws.ecr.Repository(
        "repo",
        image_scanning_configuration={"scan_on_push": scan},
        image_tag_mutability=mutability,
        tags=TAGS,
    )


CASES = [
    Case("ecr-scan-on-push", "dev", ecr_repository()),
    Case("ecr-scan-on-push", "dev", ecr_repository(scan=False), "scan", "repo"),
    Case("ecr-immutable-tags", "dev", ecr_repository()),
    Case("ecr-immutable-tags", "dev", ecr_repository(mutability="IMMUTABLE_WITH_EXCLUSION")),
    Case("ecr-immutable-tags", "dev", ecr_repository(mutability="MUTABLE"), "IMMUTABLE", "repo"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)
