"""A bad stack file gets one line naming the file, the key path and the problem; exit 2.

Every case runs the real CLI and checks that the program never ran (nothing registered).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.cli import main
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

# (id, stack-file content (dict -> YAML, str -> raw text), the exact line after the file name:
# key path, then the problem)
CASES: list[tuple[str, Any, str]] = [
    (
        "unknown-key",
        _with(**{"mlops__platform__netwrok": {}}),
        "netwrok: unknown key",
    ),
    (
        "unknown-nested-key",
        _with(mlops__platform__network={"cidrr": "10.0.0.0/16"}),
        "network.cidrr: unknown key",
    ),
    (
        "wrong-type",
        _with(mlops__platform__network={"azCount": "three"}),
        "network.azCount: Input should be a valid integer, unable to parse string as an integer "
        '(got "three")',
    ),
    (
        "bad-cidr",
        _with(mlops__platform__network={"cidr": "10.0.0.0/33"}),
        "network.cidr: '10.0.0.0/33' is not a valid IPv4 CIDR block ('33' is not a valid netmask)",
    ),
    (
        "cidr-host-bits",
        _with(mlops__platform__network={"cidr": "10.0.0.1/16"}),
        "network.cidr: '10.0.0.1/16' is not a valid IPv4 CIDR block (10.0.0.1/16 has host bits "
        "set)",
    ),
    (
        "public-cidr",
        _with(mlops__platform__network={"cidr": "8.8.0.0/16"}),
        "network.cidr: 8.8.0.0/16 is not a private (RFC 1918) range",
    ),
    (
        "cidr-too-small",
        _with(mlops__platform__network={"cidr": "10.0.0.0/24"}),
        "network.cidr: 10.0.0.0/24 must be between a /16 and a /20 (got /24)",
    ),
    (
        "overlapping-subnets",
        _with(
            mlops__platform__network={
                "cidr": "10.0.0.0/16",
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.8.0/21"],
            }
        ),
        "network.privateSubnetCidrs[1]: 10.0.8.0/21 overlaps privateSubnetCidrs[0] (10.0.0.0/20)",
    ),
    (
        "private-overlaps-public",
        _with(
            mlops__platform__network={
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.16.0/20"],
                "publicSubnetCidrs": ["10.0.16.0/24", "10.0.200.0/24"],
            }
        ),
        "network.publicSubnetCidrs[0]: 10.0.16.0/24 overlaps privateSubnetCidrs[1] (10.0.16.0/20)",
    ),
    (
        "subnet-outside-vpc",
        _with(
            mlops__platform__network={
                "privateSubnetCidrs": ["10.0.0.0/20", "10.9.0.0/20"],
            }
        ),
        "network.privateSubnetCidrs[1]: 10.9.0.0/20 is outside the VPC 10.0.0.0/16",
    ),
    (
        "subnet-count",
        _with(
            mlops__platform__network={
                "azCount": 3,
                "privateSubnetCidrs": ["10.0.0.0/20", "10.0.16.0/20"],
            }
        ),
        "network.privateSubnetCidrs: has 2 subnets but azCount is 3",
    ),
    (
        "prod-two-azs",
        _with(**PROD, mlops__platform__network={"azCount": 2}),
        "network.azCount: prod needs at least 3 AZs (got 2)",
    ),
    (
        "prod-single-nat",
        _with(**PROD, mlops__platform__network={"azCount": 3, "natGateways": "single"}),
        "network.natGateways: prod needs one NAT gateway per AZ ('perAz')",
    ),
    (
        "too-many-azs",
        _with(mlops__platform__network={"azCount": 7}),
        "network.azCount: Input should be less than or equal to 6 (got 7)",
    ),
    (
        "bad-nat-mode",
        _with(mlops__platform__network={"natGateways": "many"}),
        "network.natGateways: Input should be 'single' or 'perAz' (got \"many\")",
    ),
    (
        "unknown-endpoint",
        _with(mlops__platform__network={"interfaceEndpoints": ["sts", "s4"]}),
        "network.interfaceEndpoints[1]: unknown interface endpoint service 's4' (known: "
        "autoscaling, ec2, ecr.api, ecr.dkr, eks, eks-auth, elasticloadbalancing, glue, kms, "
        "logs, monitoring, sagemaker.api, sagemaker.featurestore-runtime, sagemaker.runtime, "
        "sns, ssm, sts)",
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
        "network.existingVpc.vpcId: String should match pattern '^vpc-[0-9a-f]{8,17}$' (got "
        '"vpc-xyz")',
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
        "network.existingVpc.privateSubnetIds: subnet ids repeat",
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
        "network.existingVpc.privateSubnetIds: prod needs private subnets in at least 3 AZs",
    ),
    (
        "unknown-region",
        _with(aws__region="mars-north-1"),
        "aws:region: unsupported region 'mars-north-1' (supported: us-east-1, us-east-2, "
        "us-west-2, ca-central-1, eu-west-1, eu-west-2, eu-central-1, eu-north-1, "
        "ap-southeast-1, ap-southeast-2, ap-northeast-1)",
    ),
    (
        "missing-region",
        _with(aws__region=None),
        "aws:region: missing: every stack must set its AWS region",
    ),
    (
        "missing-environment",
        _with(**{"mlops__platform__environment": None}),
        "environment: required key is missing",
    ),
    (
        "bad-environment",
        _with(**{"mlops__platform__environment": "production"}),
        "environment: Input should be 'dev', 'staging' or 'prod' (got \"production\")",
    ),
    (
        "missing-owner-tag",
        _with(mlops__platform__tags={"costCenter": "1"}),
        "tags.owner: required key is missing",
    ),
    (
        "reserved-tag",
        _with(mlops__platform__tags={"owner": "a", "costCenter": "1", "extra": {"aws:team": "x"}}),
        "tags.extra.aws:team: tag keys starting with 'aws:' are reserved by AWS",
    ),
    (
        "retention-not-allowed",
        _with(mlops__platform__monitoring={"logRetentionDays": 42}),
        "monitoring.logRetentionDays: 42 is not a CloudWatch retention period (allowed: 1, 3, 5, "
        "7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
        "3288, 3653)",
    ),
    (
        "newer-schema",
        _with(mlops__platform__schemaVersion=99),
        "schemaVersion: schemaVersion 99 is newer than this package understands (2); upgrade "
        "mlops-platform (pull upstream) to read this stack file",
    ),
    (
        "typo-namespace",
        {**BASE_STACK, "mlops-platfrom:network": {}},
        "mlops-platfrom:network: unknown config namespace 'mlops-platfrom' (typo of "
        "mlops-platform?)",
    ),
    (
        "invalid-yaml",
        "config:\n  aws:region: eu-west-1\n   bad: [indent\n",
        "invalid YAML: line 3, column 7: mapping values are not allowed in this context",
    ),
    (
        "not-a-mapping",
        "- just\n- a list\n",
        "expected a mapping with a 'config:' key",
    ),
    (
        "unknown-file-key",
        "configs:\n  aws:region: eu-west-1\n",
        "configs: unknown top-level key of a Pulumi stack file",
    ),
    (
        "config-not-mapping",
        "config: [1, 2]\n",
        "config: expected a mapping of config keys",
    ),
]


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "Pulumi.broken.yaml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        config = {_key(k): v for k, v in content.items()}
        path.write_text(yaml.safe_dump({"config": config}), encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_stack_file_is_one_line_exit_2(
    content: Any, expected: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], program_never_runs: None,
) -> None:  # fmt: skip
    stack_file = _write(tmp_path, content)
    code = main(["plan", "broken", "--config", str(stack_file)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == f"error: {stack_file}: {expected}\n"


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
