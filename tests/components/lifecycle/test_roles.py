"""A pipeline's role reaches only its own family's data, package group and itself."""

from __future__ import annotations

from typing import Any

from infra.plan import Plan
from tests.helpers import of_type, policy_json

REGION, ACCOUNT = "eu-west-1", "123456789012"


def _policies(plan: Plan, suffix: str) -> dict[str, dict[str, Any]]:
    """Family -> its role's statements by Sid, for roles named `lifecycle-<family><suffix>`."""
    found = {}
    for policy in of_type(plan, "aws:iam/rolePolicy:RolePolicy"):
        name = policy["name"]
        if name.startswith("lifecycle-") and name.endswith(f"{suffix}-policy"):
            family = name.removeprefix("lifecycle-").removesuffix(f"{suffix}-policy")
            found[family] = {s["Sid"]: s for s in policy_json(policy)["Statement"]}
    return found


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_pipeline_roles_are_confined_to_their_family(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    stack = plan.stack
    roles = {f: s for f, s in _policies(plan, "-pipeline-role").items() if not f.endswith("-batch")}
    assert roles
    artifacts = f"arn:aws:s3:::{plan.outputs['artifactBucketName']}"
    for family, statements in roles.items():
        own = statements["OwnArtifacts"]
        assert sorted(own["Resource"]) == [
            f"{artifacts}/models/{family}/*",
            f"{artifacts}/pipelines/{family}/*",
        ]
        (read,) = _list(statements["ReadOwnInputs"]["Resource"])
        assert read.endswith("*") and (f"-{family}" in read or f"mlops-{stack}-" in read)
        passed = statements["PassOnlyItselfToSageMaker"]
        assert passed["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/mlops-{stack}-{family}-pipeline"
        assert passed["Condition"] == {
            "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
        }
        register = statements["RegisterOwnVersions"]
        assert sorted(register["Resource"]) == [
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/mlops-{stack}-{family}",
            f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/mlops-{stack}-{family}/*",
        ]
        jobs = statements["RunOwnPipelineJobs"]["Resource"]
        assert all(
            ":processing-job/pipelines-" in j or ":training-job/pipelines-" in j for j in jobs
        )
        for statement in statements.values():
            actions = _list(statement["Action"])
            assert "*" not in actions and not any(a.endswith(":*") for a in actions)
            if statement["Resource"] == "*":
                assert statement["Sid"] in (
                    "PublishJobMetrics",
                    "DescribeNetwork",
                    "ManageInterfacesInOwnVpc",
                )


def test_batch_roles_read_the_model_and_input_and_write_only_the_output(shipped_plan: Any) -> None:
    plan = shipped_plan("prod")
    artifacts = f"arn:aws:s3:::{plan.outputs['artifactBucketName']}"
    (statements,) = _policies(plan, "-batch-model-role").values()
    assert sorted(statements["ReadModelAndInput"]["Resource"]) == [
        f"{artifacts}/batch/churn-predictor/input/*",
        f"{artifacts}/models/churn-predictor/*",
    ]
    assert statements["WriteOutput"]["Resource"] == [f"{artifacts}/batch/churn-predictor/output/*"]
    (pipeline,) = _policies(plan, "-batch-pipeline-role").values()
    assert "iam:PassRole" not in str(pipeline)
