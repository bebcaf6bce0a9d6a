"""CiRunner: the in-VPC CodeBuild runner that deploys stacks with a private EKS API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml

from components import Deployment
from components.ci_runners import RUNNER_NAME, runner_label
from infra.config import ConfigError, load_stack_file
from infra.plan import Plan, build_plan
from tests.helpers import BASE_STACK, of_type, policy_json, write_stack
from tests.stacks import stack_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
PROJECT = "aws:codebuild/project:Project"
CONNECTION = (
    "arn:aws:codeconnections:eu-west-1:123456789012:connection/0f5c1a2e-7b3d-4e8f-9a6b-2c4d6e8f0a1b"
)
CI_ACCESS = {"githubRepository": "acme/mlops-platform"}


@pytest.fixture(scope="module")
def staging(shipped_plan: Callable[[str], Plan]) -> Plan:
    return shipped_plan("staging")


def project(plan: Plan) -> dict[str, Any]:
    (found,) = of_type(plan, PROJECT)
    return found


def one(plan: Plan, type_token: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in of_type(plan, type_token) if r["name"] == name]
    return found


def stage_runners() -> dict[str, str]:
    """Stack -> runs-on label of its stage in the deploy workflow."""
    jobs = yaml.safe_load(DEPLOY_WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return {
        str(job["with"]["stack"]): str(job["with"]["runner"])
        for job in jobs.values()
        if str(job.get("uses", "")).endswith("/deploy-stage.yml")
    }


def test_every_stage_of_a_private_cluster_runs_on_the_runner_its_plan_provisions(
    shipped_plan: Callable[[str], Plan],
) -> None:
    """The stage's label and the project the plan makes come from one naming."""
    private = []
    for stack, label in stage_runners().items():
        plan = shipped_plan(stack)
        (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
        if cluster["inputs"]["vpcConfig"]["endpointPublicAccess"]:
            assert not label.startswith("codebuild-"), stack
            continue
        private.append(stack)
        name = project(plan)["inputs"]["name"]
        naming = Deployment(stack=stack, environment=plan.environment, region="", tags={})
        assert name == naming.name(RUNNER_NAME)
        assert label == runner_label(name), (stack, label)
    assert sorted(private) == ["prod", "staging"]


def test_the_label_is_the_one_codebuild_takes() -> None:
    assert (
        runner_label("mlops-prod-ci-runner")
        == "codebuild-mlops-prod-ci-runner-${{ github.run_id }}-${{ github.run_attempt }}"
    )


def test_dev_has_no_runner(shipped_plan: Callable[[str], Plan]) -> None:
    assert of_type(shipped_plan("dev"), PROJECT) == []


def test_project_source_environment_and_encryption(staging: Plan) -> None:
    inputs = project(staging)["inputs"]
    assert inputs["source"] == {
        "type": "GITHUB",
        "location": "https://github.com/acme/mlops-platform.git",
        "auth": {"type": "CODECONNECTIONS", "resource": CONNECTION},
    }
    environment = inputs["environment"]
    assert environment["type"] == "LINUX_CONTAINER"
    assert environment["image"] == "aws/codebuild/amazonlinux-x86_64-standard:5.0"
    assert not environment.get("privilegedMode")
    model = botocore.session.get_session().get_service_model("codebuild")
    assert environment["computeType"] in model.shape_for("ComputeType").enum
    assert inputs["encryptionKey"]
    logs = inputs["logsConfig"]["cloudwatchLogs"]
    group = one(staging, "aws:cloudwatch/logGroup:LogGroup", "ci-runner-logs")["inputs"]
    assert logs["groupName"] == group["name"] == "/aws/codebuild/mlops-staging-ci-runner"
    assert group["kmsKeyId"] and group["retentionInDays"] > 0


def test_runner_runs_in_the_private_subnets_with_its_own_group(staging: Plan) -> None:
    vpc = project(staging)["inputs"]["vpcConfig"]
    private = staging.outputs["privateSubnetIds"]
    assert vpc["subnets"] == private
    assert not set(vpc["subnets"]) & set(staging.outputs["publicSubnetIds"])
    group = one(staging, "aws:ec2/securityGroup:SecurityGroup", "ci-runner-sg")
    group_id = "mlops-staging-ci-runner-id"  # the mock's id of the runner's group
    assert group["inputs"]["name"] == "mlops-staging-ci-runner"
    assert vpc["securityGroupIds"] == [group_id]
    (egress,) = [
        r
        for r in of_type(staging, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r["inputs"]["securityGroupId"] == group_id
    ]
    assert (egress["inputs"]["fromPort"], egress["inputs"]["toPort"]) == (443, 443)
    assert not group["inputs"].get("egress") and not group["inputs"].get("ingress")


def test_cluster_group_lets_https_in_from_the_runner_only(staging: Plan) -> None:
    rule = one(
        staging,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "ci-runner-cluster-https-in",
    )["inputs"]
    assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 443, 443)
    assert rule["referencedSecurityGroupId"] == "mlops-staging-ci-runner-id"
    assert "cidrIpv4" not in rule
    # The mock's id of the security group EKS made for the cluster.
    assert rule["securityGroupId"] == "sg-mlops-staging-training-cluster"


def test_webhook_queues_builds_for_workflow_jobs(staging: Plan) -> None:
    (hook,) = of_type(staging, "aws:codebuild/webhook:Webhook")
    assert hook["inputs"]["projectName"] == "mlops-staging-ci-runner"
    assert hook["inputs"]["filterGroups"] == [
        {"filters": [{"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"}]}
    ]


def test_runner_role_is_scoped_and_pinned_to_the_project(staging: Plan) -> None:
    role = one(staging, "aws:iam/role:Role", "ci-runner-role")
    (trust,) = policy_json(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"]
    assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(
        ":project/mlops-staging-ci-runner"
    )
    statements = policy_json(one(staging, "aws:iam/rolePolicy:RolePolicy", "ci-runner-role-policy"))
    by_sid = {s["Sid"]: s for s in statements["Statement"]}
    assert all(
        not str(a).endswith("*") or a == "kms:GenerateDataKey*"
        for s in by_sid.values()
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    logs = by_sid["WriteOwnLogs"]["Resource"]
    assert all("/aws/codebuild/mlops-staging-ci-runner" in arn for arn in logs)
    permission = by_sid["LetCodeBuildUseInterfacesInPrivateSubnets"]
    assert permission["Condition"]["StringEquals"] == {
        "ec2:AuthorizedService": "codebuild.amazonaws.com"
    }
    subnets = permission["Condition"]["ArnEquals"]["ec2:Subnet"]
    assert sorted(a.rsplit("/", 1)[1] for a in subnets) == sorted(
        staging.outputs["privateSubnetIds"]
    )
    assert by_sid["UseGithubConnection"]["Resource"] == CONNECTION
    assert by_sid["UsePlatformKey"]["Resource"] == staging.outputs["kmsKeyArn"]
    assert not any(
        a.startswith(("iam:", "sts:", "eks:"))
        for s in by_sid.values()
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )


def test_project_waits_for_the_role_policy(staging: Plan) -> None:
    policy = one(staging, "aws:iam/rolePolicy:RolePolicy", "ci-runner-role-policy")
    assert policy["urn"] in project(staging)["dependsOn"]


def test_ci_roles_get_eks_access(staging: Plan) -> None:
    entries = {
        r["name"]: r["inputs"]
        for r in of_type(staging, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        if r["name"].startswith("ci-cluster-access-")
    }
    deploy = entries["ci-cluster-access-deploy-policy"]
    preview = entries["ci-cluster-access-preview-policy"]
    assert deploy["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
    assert preview["policyArn"].endswith("/AmazonEKSViewPolicy")
    assert deploy["principalArn"] == staging.outputs["ciDeployRoleArn"]
    assert preview["principalArn"] == staging.outputs["ciPreviewRoleArn"]


def load(tmp_path: Path, runners: dict[str, Any], ci: dict[str, Any] | None = CI_ACCESS):
    config = {**BASE_STACK, "mlops-platform:ciRunners": runners}
    if ci is not None:
        config["mlops-platform:ciAccess"] = ci
    return load_stack_file(write_stack(tmp_path, config))


def test_defaults(tmp_path: Path) -> None:
    runners = load(tmp_path, {"connectionArn": CONNECTION}).ci_runners
    assert runners.compute_type == "BUILD_GENERAL1_SMALL"
    assert runners.image == "aws/codebuild/amazonlinux-x86_64-standard:5.0"


@pytest.mark.parametrize(
    ("runners", "ci", "message"),
    [
        (
            {"connectionArn": CONNECTION},
            None,
            "ciRunners: needs ciAccess: runner jobs deploy with the ciAccess deploy role",
        ),
        (
            {"connectionArn": "ghp_0123456789abcdef"},
            CI_ACCESS,
            "ciRunners.connectionArn: String should match pattern",
        ),
        (
            {"connectionArn": CONNECTION, "computeType": "BUILD_HUGE"},
            CI_ACCESS,
            "ciRunners.computeType: unknown compute type 'BUILD_HUGE' (CodeBuild offers: ",
        ),
        (
            {"connectionArn": CONNECTION, "buildTimeoutMinutes": 4},
            CI_ACCESS,
            "ciRunners.buildTimeoutMinutes: Input should be greater than or equal to 5",
        ),
        (
            {"connectionArn": CONNECTION, "queuedTimeoutMinutes": 481},
            CI_ACCESS,
            "ciRunners.queuedTimeoutMinutes: Input should be less than or equal to 480",
        ),
        (
            {"connectionArn": CONNECTION, "token": "x"},
            CI_ACCESS,
            "ciRunners.token: unknown key",
        ),
    ],
)
def test_bad_lines(tmp_path: Path, runners: dict, ci: dict | None, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, runners, ci)
    line = str(error.value)
    assert "\n" not in line
    assert f"Pulumi.test.yaml: {message}" in line


def test_runner_without_cluster_has_no_cluster_rules(tmp_path: Path) -> None:
    config = {
        **BASE_STACK,
        "mlops-platform:ciAccess": CI_ACCESS,
        "mlops-platform:ciRunners": {"connectionArn": CONNECTION},
        "mlops-platform:training": {"nodeGroups": []},
    }
    plan = build_plan("test", write_stack(tmp_path, config))
    assert len(of_type(plan, PROJECT)) == 1
    assert of_type(plan, "aws:eks/accessEntry:AccessEntry") == []
    assert of_type(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == [
        r
        for r in of_type(plan, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if not r["name"].startswith("ci-runner")
    ]


@pytest.mark.parametrize("role", ["deploy", "preview"])
def test_ci_access_entries_wait_for_their_roles_and_policies(staging: Plan, role: str) -> None:
    """EKS checks the principal when an access entry is made: the role and everything
    granting it (its policies) exist first."""
    (ci_role,) = [
        r for r in of_type(staging, "aws:iam/role:Role") if r["name"] == f"ci-access-{role}"
    ]
    grants = [r["urn"] for r in staging.resources if r["parent"] == ci_role["urn"]]
    assert grants, "the CI role has no policy"
    entry = one(staging, "aws:eks/accessEntry:AccessEntry", f"ci-cluster-access-{role}")
    association = one(
        staging,
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        f"ci-cluster-access-{role}-policy",
    )
    for resource in (entry, association):
        assert {ci_role["urn"], *grants} <= set(resource["dependsOn"]), resource["name"]
    assert entry["urn"] in association["dependsOn"]
    assert entry["inputs"]["type"] == "STANDARD"
    assert association["inputs"]["accessScope"] == {"type": "cluster"}


def test_cluster_admins_are_the_ci_deploy_role_and_the_named_break_glass_roles(
    shipped_plan: Callable[[str], Plan],
) -> None:
    """No identity is cluster admin because it happened to create the cluster."""
    for stack in stack_names():
        plan = shipped_plan(stack)
        if not plan.config.training.enabled:
            continue
        (cluster,) = of_type(plan, "aws:eks/cluster:Cluster")
        assert cluster["inputs"]["accessConfig"] == {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": False,
        }
        admins = sorted(
            a["inputs"]["principalArn"]
            for a in of_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
            if a["inputs"]["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
        )
        expected = [plan.outputs["ciDeployRoleArn"], *plan.config.training.admin_role_arns]
        assert admins == sorted(expected), stack
