"""`mlops-platform plan` applies the policy rules offline: a mandatory finding exits 1."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.cli import main
from infra.plan import Plan, build_plan
from infra.policy_check import evaluate_policies
from tests.helpers import BASE_STACK, write_stack

FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"


def test_shipped_stacks_have_no_findings(any_shipped_plan: Plan) -> None:
    assert any_shipped_plan.policy == []
    assert any_shipped_plan.document()["policy"] == []


def test_shipped_stack_plan_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "prod", "--quiet"]) == 0
    assert "0 mandatory / 0 advisory policy findings" in capsys.readouterr().out


REASON = "Fork-only deploy role; scoped policy lands with ticket 42."
SUPPRESSION = {
    "rule": "iam-no-full-access-managed-policies",
    "resource": "ci-access-deploy-AmazonSageMakerFullAccess",
    "reason": REASON,
}


def full_access_config(*suppressions: dict[str, str], base: dict | None = None) -> dict:
    """A fork's stack config attaching a *FullAccess policy to the deploy role."""
    config = {
        **(base or BASE_STACK),
        "mlops-platform:ciAccess": {
            "githubRepository": "acme/mlops-platform",
            "deployManagedPolicyArns": [FULL_ACCESS],
        },
    }
    if suppressions:
        config["mlops-platform:policy"] = {"suppressions": list(suppressions)}
    return config


@pytest.fixture
def full_access_stack(tmp_path: Path) -> Path:
    return write_stack(tmp_path, full_access_config())


def test_mandatory_violation_exits_one_naming_rule_and_resource(
    full_access_stack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "fork", "--config", str(full_access_stack), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "iam-no-full-access-managed-policies" in out
    assert "ci-access-deploy-AmazonSageMakerFullAccess" in out
    assert "1 mandatory / 0 advisory policy findings" in out


def test_violation_in_the_json_document(
    full_access_stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", "fork", "--config", str(full_access_stack), "--json", str(out)]) == 1
    (finding,) = json.loads(out.read_text(encoding="utf-8"))["policy"]
    assert finding["policy"] == "iam-no-full-access-managed-policies"
    assert finding["level"] == "mandatory"
    assert finding["urn"].endswith("::ci-access-deploy-AmazonSageMakerFullAccess")
    assert FULL_ACCESS in finding["message"]


def test_advisory_findings_do_not_fail_the_plan(tmp_path: Path) -> None:
    config = {**BASE_STACK, "mlops-platform:monitoring": {"logRetentionDays": 90}}
    path = write_stack(tmp_path, config)
    assert main(["plan", "fork", "--config", str(path), "--quiet"]) == 0
    findings = build_plan("fork", path).policy
    assert findings and {f["level"] for f in findings} == {"advisory"}
    assert {f["policy"] for f in findings} == {"dev-log-retention"}


def test_rules_run_on_the_real_graph(shipped_plan: Callable[[str], Plan]) -> None:
    """Break the prod graph the way a careless change would; each rule names its resource."""
    plan = copy.deepcopy(shipped_plan("prod"))
    by_type = {}
    for r in plan.resources:
        by_type.setdefault(r["type"], []).append(r)
    key = by_type["aws:kms/key:Key"][0]
    key["inputs"]["enableKeyRotation"] = False
    log_group = by_type["aws:cloudwatch/logGroup:LogGroup"][0]
    log_group["protect"] = False
    subnet = by_type["aws:ec2/subnet:Subnet"][0]
    del subnet["inputs"]["tags"]["cost-center"]
    role_policy = by_type["aws:iam/rolePolicy:RolePolicy"][0]
    role_policy["inputs"]["policy"] = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )

    found = {(f["policy"], f["urn"]) for f in evaluate_policies(plan)}
    assert found == {
        ("kms-key-rotation", key["urn"]),
        ("prod-stateful-protected", log_group["urn"]),
        ("required-tags", subnet["urn"]),
        ("iam-no-wildcard-admin", role_policy["urn"]),
    }


def test_public_eks_endpoint_in_prod_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The schema lets prod name public CIDRs; the mandatory rule still stops the plan."""
    import yaml

    document = yaml.safe_load(Path("stacks/Pulumi.prod.yaml").read_text(encoding="utf-8"))
    training = copy.deepcopy(document["config"]["mlops-platform:training"])
    training.update(endpointPublicAccess=True, publicAccessCidrs=["198.51.100.0/24"])
    document["config"]["mlops-platform:training"] = training
    fork = tmp_path / "Pulumi.prod-public.yaml"
    fork.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert main(["plan", "prod", "--config", str(fork), "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "eks-private-endpoint-prod" in out
    findings = [f for f in build_plan("prod", fork).policy if f["level"] == "mandatory"]
    assert [f["urn"].rsplit("::", 1)[-1] for f in findings] == ["training"]
    assert findings[0]["urn"].split("::")[-2].endswith("aws:eks/cluster:Cluster")


def test_a_suppressed_mandatory_finding_passes_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_stack(tmp_path, full_access_config(SUPPRESSION))
    out_json = tmp_path / "plan.json"
    assert main(["plan", "fork", "--config", str(path), "--json", str(out_json), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "0 mandatory / 0 advisory policy findings (1 suppressed)" in captured.out
    assert "mandatory (suppressed)" in captured.out and "ticket 42" in captured.out
    assert captured.err == ""
    document = json.loads(out_json.read_text(encoding="utf-8"))
    assert document["policy"] == []
    (suppressed,) = document["suppressed"]
    assert suppressed["policy"] == "iam-no-full-access-managed-policies"
    assert suppressed["level"] == "mandatory"
    assert suppressed["urn"].endswith("::ci-access-deploy-AmazonSageMakerFullAccess")
    assert suppressed["reason"] == REASON


def test_a_suppression_covers_only_its_rule_and_resource(tmp_path: Path) -> None:
    other_resource = {**SUPPRESSION, "resource": "ci-access-deploy"}
    other_rule = {**SUPPRESSION, "rule": "iam-no-wildcard-admin"}
    path = write_stack(tmp_path, full_access_config(other_resource, other_rule))
    assert main(["plan", "fork", "--config", str(path), "--quiet"]) == 1
    plan = build_plan("fork", path)
    assert [f["policy"] for f in plan.policy] == ["iam-no-full-access-managed-policies"]
    assert plan.suppressed == []
    assert [w.split(": ", 2)[1] for w in plan.warnings] == [
        "policy.suppressions[0]",
        "policy.suppressions[1]",
    ]
    assert all("suppresses nothing" in w for w in plan.warnings)


def test_a_suppression_naming_no_resource_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = {**SUPPRESSION, "resource": "ci-acess-deploy-AmazonSageMakerFullAccess"}
    path = write_stack(tmp_path, full_access_config(typo))
    assert main(["plan", "fork", "--config", str(path), "--quiet"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith(
        "policy.suppressions[0].resource: 'ci-acess-deploy-AmazonSageMakerFullAccess' matches "
        "no resource of the plan"
    )


def test_a_short_reason_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_stack(tmp_path, full_access_config({**SUPPRESSION, "reason": "temporary"}))
    assert main(["plan", "fork", "--config", str(path), "--quiet"]) == 2
    assert "policy.suppressions[0].reason" in capsys.readouterr().err


def test_prod_says_a_mandatory_finding_was_suppressed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    prod = yaml.safe_load(Path("stacks/Pulumi.prod.yaml").read_text(encoding="utf-8"))["config"]
    path = write_stack(tmp_path, full_access_config(SUPPRESSION, base=prod))
    assert main(["plan", "prod", "--config", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "prod: 1 mandatory finding suppressed by the stack file" in " ".join(out.split())
    assert "ticket 42" in out


def test_a_real_time_gpu_endpoint_plans_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ml.g5.xlarge has local NVMe: the component sets no volume key and the rule agrees."""
    config = {
        **BASE_STACK,
        "mlops-platform:registry": {
            "models": [{"name": "fraud-detector"}],
            "images": [{"name": "fraud-serving"}],
        },
        "mlops-platform:serving": {
            "endpoints": [
                {
                    "name": "fraud-gpu",
                    "model": "fraud-detector",
                    "image": "fraud-serving",
                    "modelPackageVersion": 1,
                    "instanceType": "ml.g5.xlarge",
                    "minInstances": 1,
                    "maxInstances": 2,
                }
            ]
        },
    }
    path = write_stack(tmp_path, config)
    out = tmp_path / "plan.json"
    assert main(["plan", "gpu", "--config", str(path), "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    (endpoint_config,) = [
        r
        for r in document["resources"]
        if r["type"] == "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
    ]
    assert endpoint_config["inputs"]["productionVariants"][0]["instanceType"] == "ml.g5.xlarge"
    assert "kmsKeyArn" not in endpoint_config["inputs"]
    assert document["policy"] == []
