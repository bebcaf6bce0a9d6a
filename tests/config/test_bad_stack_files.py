"""A bad stack file gets one line naming the file, the key path and the problem; exit 2.

Every case runs the real CLI and checks that the program never ran (nothing registered).
"""

from __future__ import annotations

import copy
import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.context import Deployment
from components.stack_name import stack_name_problem
from infra import plan as plan_module
from infra.cli import main
from infra.config import ConfigError
from infra.config.loader import STACKS_DIR
from infra.plan import build_plan
from tests.helpers import BASE_STACK

NS = "mlops-platform:"


def _key(name: str) -> str:
    return name.replace("mlops__platform__", NS).replace("__", ":")


def _with(**changes: Any) -> dict[str, Any]:
    """BASE_STACK with `key=value` changes; a value of None removes the key."""
    config = copy.deepcopy(BASE_STACK)
    for key, value in changes.items():
        full = _key(key)
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


PROD = {"mlops__platform__environment": "prod"}

# (id, stack-file content (dict -> YAML, str -> raw text), key path, words of the problem)
CASES: list[tuple[str, Any, str, str]] = [
    ("unknown-key", _with(**{"mlops__platform__netwrok": {}}), "netwrok", "unknown key"),
    (
        "unknown-nested-key",
        _with(mlops__platform__network={"cidrr": "10.0.0.0/16"}),
        "network.cidrr",
        "unknown key",
    ),
    (
        "wrong-type",
        _with(mlops__platform__network={"azCount": "three"}),
        "network.azCount",
        "valid integer",
    ),
    (
        "bad-cidr",
        _with(mlops__platform__network={"cidr": "10.0.0.0/33"}),
        "network.cidr",
        "not a valid IPv4 CIDR",
    ),
    (
        "cidr-host-bits",
        _with(mlops__platform__network={"cidr": "10.0.0.1/16"}),
        "network.cidr",
        "has host bits set",
    ),
    (
        "public-cidr",
        _with(mlops__platform__network={"cidr": "8.8.0.0/16"}),
        "network.cidr",
        "not a private",
    ),
    (
        "cidr-too-small",
        _with(mlops__platform__network={"cidr": "10.0.0.0/24"}),
        "network.cidr",
        "between a /16 and a /20",
    ),
    (
        "overlapping-subnets",
        _with(
            mlops__platform__network={
                "cidr": "10.0.0.0/16",
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.8.0/21"],
            }
        ),
        "network.privateSubnetCidrs[1]",
        "overlaps privateSubnetCidrs[0]",
    ),
    (
        "private-overlaps-public",
        _with(
            mlops__platform__network={
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.16.0/20"],
                "publicSubnetCidrs": ["10.0.16.0/24", "10.0.200.0/24"],
            }
        ),
        "network.publicSubnetCidrs[0]",
        "overlaps privateSubnetCidrs[1]",
    ),
    (
        "subnet-outside-vpc",
        _with(
            mlops__platform__network={
                "privateSubnetCidrs": ["10.0.0.0/20", "10.9.0.0/20"],
            }
        ),
        "network.privateSubnetCidrs[1]",
        "outside the VPC",
    ),
    (
        "subnet-count",
        _with(
            mlops__platform__network={
                "azCount": 3,
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.16.0/20"],
            }
        ),
        "network.privateSubnetCidrs",
        "has 2 subnets but azCount is 3",
    ),
    (
        "prod-two-azs",
        _with(**PROD, mlops__platform__network={"azCount": 2}),
        "network.azCount",
        "prod needs at least 3 AZs",
    ),
    (
        "prod-single-nat",
        _with(**PROD, mlops__platform__network={"azCount": 3, "natGateways": "single"}),
        "network.natGateways",
        "one NAT gateway per AZ",
    ),
    (
        "too-many-azs",
        _with(mlops__platform__network={"azCount": 7}),
        "network.azCount",
        "less than or equal to 6",
    ),
    (
        "bad-nat-mode",
        _with(mlops__platform__network={"natGateways": "many"}),
        "network.natGateways",
        "'single' or 'perAz'",
    ),
    (
        "unknown-endpoint",
        _with(mlops__platform__network={"interfaceEndpoints": ["sts", "s4"]}),
        "network.interfaceEndpoints[1]",
        "unknown interface endpoint service 's4'",
    ),
    (
        "existing-vpc-bad-id",
        _with(
            mlops__platform__network={
                "existingVpc": {
                    "vpcId": "vpc-xyz",
                    "privateSubnetIds": ["subnet-0000000a", "subnet-0000000b"],
                }
            }
        ),
        "network.existingVpc.vpcId",
        "should match pattern",
    ),
    (
        "existing-vpc-repeated-subnet",
        _with(
            mlops__platform__network={
                "existingVpc": {
                    "vpcId": "vpc-0123456789abcdef0",
                    "privateSubnetIds": ["subnet-0000000a", "subnet-0000000a"],
                }
            }
        ),
        "network.existingVpc.privateSubnetIds",
        "subnet ids repeat",
    ),
    (
        "existing-vpc-prod-two-subnets",
        _with(
            **PROD,
            mlops__platform__network={
                "existingVpc": {
                    "vpcId": "vpc-0123456789abcdef0",
                    "privateSubnetIds": ["subnet-0000000a", "subnet-0000000b"],
                }
            },
        ),
        "network.existingVpc.privateSubnetIds",
        "at least 3 AZs",
    ),
    ("unknown-region", _with(aws__region="mars-north-1"), "aws:region", "unsupported region"),
    ("missing-region", _with(aws__region=None), "aws:region", "missing"),
    (
        "missing-environment",
        _with(**{"mlops__platform__environment": None}),
        "environment",
        "required key is missing",
    ),
    (
        "bad-environment",
        _with(**{"mlops__platform__environment": "production"}),
        "environment",
        "'dev', 'staging' or 'prod'",
    ),
    (
        "missing-owner-tag",
        _with(mlops__platform__tags={"costCenter": "1"}),
        "tags.owner",
        "required key is missing",
    ),
    (
        "reserved-tag",
        _with(mlops__platform__tags={"owner": "a", "costCenter": "1", "extra": {"aws:team": "x"}}),
        "tags.extra.aws:team",
        "reserved by AWS",
    ),
    (
        "retention-not-allowed",
        _with(mlops__platform__monitoring={"logRetentionDays": 42}),
        "monitoring.logRetentionDays",
        "not a CloudWatch retention period",
    ),
    (
        "newer-schema",
        _with(mlops__platform__schemaVersion=99),
        "schemaVersion",
        "newer than this package understands",
    ),
    (
        "typo-namespace",
        {**BASE_STACK, "mlops-platfrom:network": {}},
        "mlops-platfrom:network",
        "unknown config namespace",
    ),
    ("invalid-yaml", "config:\n  aws:region: eu-west-1\n   bad: [indent\n", "", "invalid YAML"),
    ("not-a-mapping", "- just\n- a list\n", "", "expected a mapping"),
    ("unknown-file-key", "configs:\n  aws:region: eu-west-1\n", "configs", "unknown top-level key"),
    ("config-not-mapping", "config: [1, 2]\n", "config", "expected a mapping"),
]


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "Pulumi.broken.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        config = {_key(k): v for k, v in content.items()}
        path.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return path


@pytest.fixture
def program_never_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the program ran for an invalid stack file")

    monkeypatch.setattr(plan_module, "run_program", fail)


@pytest.mark.parametrize(("content", "path", "problem"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_stack_file_is_one_line_exit_2(
    content: Any, path: str, problem: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], program_never_runs: None,
) -> None:  # fmt: skip
    stack_file = _write(tmp_path, content)
    code = main(["plan", "broken", "--config", str(stack_file)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert "Traceback" not in line
    assert line.startswith("error: ") and "Pulumi.broken.yaml" in line
    if path:
        assert f": {path}: " in line, line
    assert problem in line, line


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "x", "--config", str(tmp_path / "Pulumi.nope.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Pulumi.nope.yaml: file not found" in err


def test_unknown_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "nosuchstack"]) == 2
    assert "stacks/Pulumi.nosuchstack.yaml: file not found" in capsys.readouterr().err


def test_invalid_stack_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "Prod_EU"]) == 2
    assert "stack name 'Prod_EU'" in capsys.readouterr().err


def test_several_problems_are_counted_on_the_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = _with(mlops__platform__network={"azCount": "x", "cidr": "nope"})
    assert main(["plan", "x", "--config", str(_write(tmp_path, content))]) == 2
    assert "(and 1 more problem)" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["prod-eu", "1prod", "prod_eu", "Prod", "p" * 17])
def test_stack_names_hold_no_delimiter(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`mlops-prod-*` (the prod CI roles' scope) must never match another stack's names."""
    assert main(["plan", name]) == 2
    assert f"stack name '{name}'" in capsys.readouterr().err


def test_no_stack_prefix_covers_another_stack() -> None:
    names = ["prod", "prodeu", "p", "pr", "dev", "dev2", "staging", "s" * 16]
    assert all(stack_name_problem(n) is None for n in names)
    for mine in names:
        for theirs in names:
            covered = fnmatch.fnmatchcase(Deployment(theirs, "dev", "x").name("key"),
                                          f"{Deployment(mine, 'dev', 'x').name('')}*")  # fmt: skip
            assert covered == (mine == theirs), (mine, theirs)


def test_the_program_refuses_a_stack_name_with_a_delimiter(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.prod-eu.yaml"
    stack.write_text((STACKS_DIR / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match="stack name 'prod-eu'"):
        build_plan("prod-eu", stack)
