"""Delivery: Kubernetes objects on a private EKS API need a runner inside its VPC."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest
import yaml

from infra.cli import main
from tests.stacks import STACKS_DIR

from ..synth import KEY_ARN, PROD_TAGS, Case, case_id, check_case

RULE = "eks-private-api-needs-in-vpc-deployer"
CLUSTER_SUBNETS = ["subnet-a", "subnet-b"]


def platform(
    *,
    public: bool | None = False,
    objects: bool = True,
    runner_subnets: list[str] | None = None,
    webhook_event: str | None = "WORKFLOW_JOB_QUEUED",
) -> Callable[[], None]:
    """A cluster, optionally Kubernetes objects on it and a CodeBuild runner in a VPC."""

    def program() -> None:
        vpc: dict = {"subnet_ids": CLUSTER_SUBNETS, "endpoint_private_access": True}
        if public is not None:
            vpc["endpoint_public_access"] = public
        aws.eks.Cluster(
            "cluster",
            role_arn="arn:aws:iam::123456789012:role/cluster",
            vpc_config=vpc,
            encryption_config={"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
            tags=PROD_TAGS,
        )
        if objects:
            k8s.core.v1.Namespace("team", metadata={"name": "team"})
        if runner_subnets is None:
            return
        project = aws.codebuild.Project(
            "runner",
            name="runner",
            service_role="arn:aws:iam::123456789012:role/runner",
            source={"type": "GITHUB", "location": "https://github.com/acme/platform.git"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "compute_type": "BUILD_GENERAL1_SMALL",
                "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            },
            vpc_config={
                "vpc_id": "vpc-1",
                "subnets": runner_subnets,
                "security_group_ids": ["sg-1"],
            },
            tags=PROD_TAGS,
        )
        if webhook_event is not None:
            aws.codebuild.Webhook(
                "runner-webhook",
                project_name=project.name,
                build_type="BUILD",
                filter_groups=[{"filters": [{"type": "EVENT", "pattern": webhook_event}]}],
            )

    return program


CASES = [
    Case(RULE, "prod", platform(runner_subnets=CLUSTER_SUBNETS)),
    Case(RULE, "prod", platform(runner_subnets=["subnet-b"])),
    # The AWS layer alone (first deploy) and a public API need no runner.
    Case(RULE, "prod", platform(objects=False)),
    Case(RULE, "dev", platform(public=True)),
    Case(RULE, "prod", platform(), "add `ciRunners` to the stack file", "cluster"),
    Case(RULE, "prod", platform(), "training.kubernetesObjects: false", "cluster"),
    Case(RULE, "dev", platform(), "no deployer runs inside its VPC", "cluster"),
    # A runner in another network, or a project that takes no workflow jobs, does not count.
    Case(RULE, "prod", platform(runner_subnets=["subnet-other"]), "no deployer", "cluster"),
    Case(RULE, "prod", platform(runner_subnets=CLUSTER_SUBNETS, webhook_event=None), "no deployer"),
    Case(
        RULE,
        "prod",
        platform(runner_subnets=CLUSTER_SUBNETS, webhook_event="PUSH"),
        "no deployer",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{case_id(c)}-{i}" for i, c in enumerate(CASES)])
def test_rule(case: Case) -> None:
    check_case(case)


def without_runner(directory: Path, stack: str, **training: object) -> Path:
    data = yaml.safe_load((STACKS_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    del data["config"]["mlops-platform:ciRunners"]
    data["config"].setdefault("mlops-platform:training", {}).update(training)
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_prod_without_a_runner_fails_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "prod", "--config", str(without_runner(tmp_path, "prod")), "--quiet"]) == 1
    out = capsys.readouterr()
    assert RULE in out.out + out.err


def test_prod_without_a_runner_may_deploy_its_aws_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = without_runner(tmp_path, "prod", kubernetesObjects=False)
    assert main(["plan", "prod", "--config", str(path), "--quiet"]) == 0
    assert " 0 mandatory / " in capsys.readouterr().out
