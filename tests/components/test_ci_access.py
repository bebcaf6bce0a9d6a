"""CiAccess: GitHub OIDC roles trusted by exactly one repository, event and environment."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.plan import Plan, build_plan
from policy.rules import Resource, evaluate
from tests.helpers import BASE_STACK, of_type, policy_json, write_stack

REPO = "acme/mlops-platform"
OIDC = "token.actions.githubusercontent.com"
PROVIDER_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"


def plan_with(tmp_path: Path, stack: str = "dev", **ci: Any) -> Plan:
    config = {**BASE_STACK, "mlops-platform:ciAccess": {"githubRepository": REPO, **ci}}
    return build_plan(stack, write_stack(tmp_path, config))


@pytest.fixture(scope="module")
def dev_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_with(tmp_path_factory.mktemp("ci"))


def role(plan: Plan, suffix: str) -> dict[str, Any]:
    (found,) = [r for r in of_type(plan, "aws:iam/role:Role") if r["name"] == f"ci-access-{suffix}"]
    return found


def inline_policy(plan: Plan, suffix: str) -> dict[str, Any]:
    (found,) = [
        r
        for r in of_type(plan, "aws:iam/rolePolicy:RolePolicy")
        if r["name"] == f"ci-access-{suffix}-policy"
    ]
    return policy_json(found)


def trust(plan: Plan, suffix: str) -> dict[str, Any]:
    return policy_json(role(plan, suffix), "assumeRolePolicy")


def only_statement(document: dict[str, Any]) -> dict[str, Any]:
    (statement,) = document["Statement"]
    return statement


def test_preview_role_trusts_pull_requests_of_the_repository_only(dev_plan: Plan) -> None:
    (provider,) = of_type(dev_plan, PROVIDER_TYPE)
    statement = only_statement(trust(dev_plan, "preview"))
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::123456789012:oidc-provider/{provider['name']}"
    }
    assert statement["Condition"] == {
        "StringEquals": {
            f"{OIDC}:aud": "sts.amazonaws.com",
            f"{OIDC}:sub": f"repo:{REPO}:pull_request",
        }
    }


def test_deploy_role_trusts_the_stack_environment_only(dev_plan: Plan) -> None:
    statement = only_statement(trust(dev_plan, "deploy"))
    assert statement["Condition"] == {
        "StringEquals": {
            f"{OIDC}:aud": "sts.amazonaws.com",
            f"{OIDC}:sub": f"repo:{REPO}:environment:dev",
        }
    }


def test_trust_policies_hold_no_wildcards(dev_plan: Plan) -> None:
    for suffix in ("preview", "deploy"):
        text = role(dev_plan, suffix)["inputs"]["assumeRolePolicy"]
        assert "*" not in text
        assert "StringLike" not in text


def test_named_environment_and_branch_deploys(tmp_path: Path) -> None:
    plan = plan_with(tmp_path, environment="production", branch="release", allowBranchDeploys=True)
    condition = only_statement(trust(plan, "deploy"))["Condition"]["StringEquals"]
    assert condition[f"{OIDC}:sub"] == [
        f"repo:{REPO}:environment:production",
        f"repo:{REPO}:ref:refs/heads/release",
    ]
    preview = only_statement(trust(plan, "preview"))["Condition"]["StringEquals"]
    assert preview[f"{OIDC}:sub"] == f"repo:{REPO}:pull_request"


def test_provider_for_github_audience_sts(dev_plan: Plan) -> None:
    (provider,) = of_type(dev_plan, PROVIDER_TYPE)
    assert provider["inputs"]["url"] == f"https://{OIDC}"
    assert provider["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]
    # Shared by every stack of the account: destroying a dev stack must leave it in place.
    assert provider["retainOnDelete"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"oidcProviderArn": f"arn:aws:iam::111122223333:oidc-provider/{OIDC}"},
            f"arn:aws:iam::111122223333:oidc-provider/{OIDC}",
        ),
        ({"createOidcProvider": False}, f"arn:aws:iam::123456789012:oidc-provider/{OIDC}"),
    ],
)
def test_existing_provider_is_trusted_not_created(
    tmp_path: Path, settings: dict[str, Any], expected: str
) -> None:
    plan = plan_with(tmp_path, **settings)
    assert of_type(plan, PROVIDER_TYPE) == []
    for suffix in ("preview", "deploy"):
        assert only_statement(trust(plan, suffix))["Principal"] == {"Federated": expected}


READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List|BatchGet)[A-Za-z*]*$")


def test_preview_role_only_reads_configuration(dev_plan: Plan) -> None:
    document = inline_policy(dev_plan, "preview")
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert actions and all(READ_ONLY.match(a) for a in actions), actions
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    # Data is not configuration: no object, secret or parameter-value reads of the platform.
    assert not {"s3:GetObject", "s3:Get*", "secretsmanager:GetSecretValue"} & set(actions)
    attachments = of_type(dev_plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [a for a in attachments if "ci-access" in a["urn"]] == []


def test_backend_access_when_configured(tmp_path: Path) -> None:
    key = "arn:aws:kms:eu-west-1:123456789012:key/state"
    plan = plan_with(tmp_path, stateBucket="acme-pulumi-state", secretsKmsKeyArn=key)
    for suffix in ("preview", "deploy"):
        statements = {s.get("Sid"): s for s in inline_policy(plan, suffix)["Statement"]}
        assert statements["PulumiStateObjects"]["Resource"] == (
            "arn:aws:s3:::acme-pulumi-state/.pulumi/*"
        )
        assert statements["PulumiSecretsProvider"]["Resource"] == key


def test_deploy_role_is_scoped(dev_plan: Plan) -> None:
    document = inline_policy(dev_plan, "deploy")
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["ManageStackBuckets"]["Resource"] == [
        "arn:aws:s3:::mlops-dev-*",
        "arn:aws:s3:::mlops-dev-*/*",
    ]
    assert statements["ManageStackRolesAndPolicies"]["Resource"] == [
        "arn:aws:iam::123456789012:role/mlops-dev-*",
        "arn:aws:iam::123456789012:policy/mlops-dev-*",
        "arn:aws:iam::123456789012:instance-profile/mlops-dev-*",
    ]
    assert statements["PassStackRolesToPlatformServices"]["Condition"]["StringEquals"][
        "iam:PassedToService"
    ]
    for sid in ("ManageKeys", "ManageNetworkAndNodes", "ServiceCallsWithoutResourceArns"):
        assert statements[sid]["Condition"] == {
            "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
        }
    for resource in statements["ManagePlatformServices"]["Resource"]:
        assert resource.startswith(("arn:aws:eks:eu-west-1:123456789012:",
                                    "arn:aws:sagemaker:eu-west-1:123456789012:",
                                    "arn:aws:ecr:eu-west-1:123456789012:",
                                    "arn:aws:logs:eu-west-1:123456789012:",
                                    "arn:aws:sns:eu-west-1:123456789012:",
                                    "arn:aws:glue:eu-west-1:123456789012:",
                                    "arn:aws:cloudwatch:eu-west-1:123456789012:",
                                    "arn:aws:codebuild:eu-west-1:123456789012:",
                                    "arn:aws:cloudwatch::123456789012:dashboard/"))  # fmt: skip
    assert statements["PassGithubConnectionToCodeBuild"]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "eu-west-1"}
    }


def test_deploy_role_cannot_widen_its_own_rights(dev_plan: Plan) -> None:
    statements = {s["Sid"]: s for s in inline_policy(dev_plan, "deploy")["Statement"]}
    ci_roles = statements["NeverChangeCiRoles"]
    assert ci_roles["Effect"] == "Deny"
    assert ci_roles["Resource"] == [
        "arn:aws:iam::123456789012:role/mlops-dev-ci-preview",
        "arn:aws:iam::123456789012:role/mlops-dev-ci-deploy",
    ]
    broad = statements["NeverHandOutBroadPolicies"]
    assert broad["Effect"] == "Deny"
    assert (
        "arn:aws:iam::aws:policy/AdministratorAccess*"
        in (broad["Condition"]["ArnLike"]["iam:PolicyARN"])
    )
    other_stacks = statements["NeverTouchOtherStacksEc2"]
    assert other_stacks["Condition"]["StringNotEquals"] == {"aws:ResourceTag/stack": "dev"}


def test_ci_resources_pass_every_policy_rule(dev_plan: Plan) -> None:
    resources = [
        Resource.from_plan(r) for r in dev_plan.resources if "ci-access" in r["urn"] and r["custom"]
    ]
    assert len(resources) == 5
    assert evaluate(resources, "dev") == []


def test_inline_policies_fit_the_iam_size_limit(dev_plan: Plan) -> None:
    for suffix in ("preview", "deploy"):
        compact = json.dumps(inline_policy(dev_plan, suffix), separators=(",", ":"))
        assert len(compact) < 10_240


def test_outputs_and_session_length(dev_plan: Plan) -> None:
    assert dev_plan.outputs["ciPreviewRoleArn"] == (
        "arn:aws:iam::123456789012:role/mlops-dev-ci-preview"
    )
    assert dev_plan.outputs["ciDeployRoleArn"] == (
        "arn:aws:iam::123456789012:role/mlops-dev-ci-deploy"
    )
    assert role(dev_plan, "deploy")["inputs"]["maxSessionDuration"] == 3600


def test_no_section_no_roles(shipped_plan: Callable[[str], Plan], tmp_path: Path) -> None:
    plan = build_plan("dev", write_stack(tmp_path, BASE_STACK))
    assert [r for r in plan.resources if "ci-access" in r["urn"]] == []
    assert "ciPreviewRoleArn" not in plan.outputs


def test_provider_is_protected_in_prod(shipped_plan: Callable[[str], Plan]) -> None:
    (provider,) = of_type(shipped_plan("prod"), PROVIDER_TYPE)
    assert provider["protect"] and provider["retainOnDelete"]


def test_extra_managed_policies_attach_to_the_deploy_role(tmp_path: Path) -> None:
    arn = "arn:aws:iam::aws:policy/AmazonBedrockReadOnly"
    plan = plan_with(tmp_path, deployManagedPolicyArns=[arn])
    (attachment,) = [
        r
        for r in of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if "ci-access" in r["urn"]
    ]
    assert attachment["inputs"]["policyArn"] == arn
    assert attachment["inputs"]["role"] == "mlops-dev-ci-deploy"
