"""Every planned pipeline definition follows the published SageMaker definition schema and
references only what the plan creates.

Schema: `../shared/schemas/sagemaker-pipeline-definition.schema.json`, the definition JSON
schema AWS publishes (aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-
JSON-schema, commit b4012b0). It lags the API: it has no `ModelApprovalStatus` or
`DriftCheckBaselines` in a RegisterModel step. An argument the schema lacks is accepted
only where the step's own API request shape in botocore's SageMaker service model has that
member (RegisterModel -> CreateModelPackage, Training -> CreateTrainingJob, ...); it is
taken out before validating, and every other argument must pass the schema as published.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import jsonschema
import pytest

from components import catalog
from components.monitoring.model_monitoring import model_monitor_image
from infra.plan import Plan
from tests.helpers import of_type

SCHEMA_NAME = "sagemaker-pipeline-definition.schema.json"
PIPELINE = "aws:sagemaker/pipeline:Pipeline"
# The API request each step type sends (what its Arguments are).
STEP_REQUESTS = {
    "Processing": "CreateProcessingJobRequest",
    "QualityCheck": "CreateProcessingJobRequest",
    "Training": "CreateTrainingJobRequest",
    "Transform": "CreateTransformJobRequest",
    "RegisterModel": "CreateModelPackageInput",
}
STEP_SCHEMAS = {
    "Processing": "ProcessingStep",
    "QualityCheck": "QualityCheckStep",
    "Training": "TrainingStep",
    "Transform": "TransformStep",
    "RegisterModel": "RegisterModelStep",
}


@cache
def schema() -> dict[str, Any]:
    """The published schema from `shared/schemas/`, next to the clone or above it."""
    for folder in Path(__file__).resolve().parents:
        path = folder / "shared" / "schemas" / SCHEMA_NAME
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
    pytest.fail(f"shared/schemas/{SCHEMA_NAME} not found next to the repository")


@cache
def request_members(shape: str) -> frozenset[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return frozenset(model.shape_for(shape).members)  # type: ignore[attr-defined]


def _allowed_arguments(step_type: str) -> set[str]:
    definition = schema()["definitions"][STEP_SCHEMAS[step_type]]
    arguments = definition["properties"]["Arguments"]
    if "$ref" in arguments:  # processing-like steps share ProcessingArgs
        arguments = schema()["definitions"][arguments["$ref"].rsplit("/", 1)[-1]]
    return set(arguments["properties"])


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every step, those inside condition branches included."""
    found = []
    for step in steps:
        found.append(step)
        if step["Type"] == "Condition":
            found += _steps(step["Arguments"].get("IfSteps", []))
            found += _steps(step["Arguments"].get("ElseSteps", []))
    return found


def strip_api_members(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without arguments the schema lacks but the step's API request has;
    {step name: removed members} is recorded under the key `_removed`."""
    stripped = copy.deepcopy(definition)
    removed: dict[str, list[str]] = {}
    for step in _steps(stripped["Steps"]):
        kind = step["Type"]
        if kind not in STEP_REQUESTS:
            continue
        extra = sorted(set(step["Arguments"]) - _allowed_arguments(kind))
        for member in extra:
            # Only an API member may go beyond the schema; anything else must fail it.
            if member in request_members(STEP_REQUESTS[kind]):
                del step["Arguments"][member]
                removed.setdefault(step["Name"], []).append(member)
    stripped["_removed"] = removed
    return stripped


def definitions(plan: Plan) -> dict[str, dict[str, Any]]:
    return {
        r["inputs"]["pipelineName"]: json.loads(r["inputs"]["pipelineDefinition"])
        for r in of_type(plan, PIPELINE)
    }


def test_every_definition_validates_against_the_published_schema(any_shipped_plan: Plan) -> None:
    validator = jsonschema.Draft7Validator(schema())
    found = definitions(any_shipped_plan)
    assert found, "every shipped stack configures at least one pipeline"
    for name, definition in found.items():
        stripped = strip_api_members(definition)
        removed = stripped.pop("_removed")
        errors = [
            f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(stripped)
        ]
        assert not errors, (name, errors)
        # Exactly the two CreateModelPackage members the schema lags on, nothing else.
        assert removed in ({}, {"Register": ["DriftCheckBaselines", "ModelApprovalStatus"]}), (
            removed
        )


def test_a_member_outside_schema_and_api_is_refused(shipped_plan: Any) -> None:
    validator = jsonschema.Draft7Validator(schema())
    definition = definitions(shipped_plan("prod"))["mlops-prod-fraud-detector-retrain"]
    (register,) = [s for s in _steps(definition["Steps"]) if s["Type"] == "RegisterModel"]
    register["Arguments"]["NotAnApiMember"] = True
    stripped = strip_api_members(definition)
    assert stripped.pop("_removed")["Register"] == ["DriftCheckBaselines", "ModelApprovalStatus"]
    errors = [e.message for e in validator.iter_errors(stripped)]
    assert errors and any("NotAnApiMember" in e for e in errors)


def _register(definition: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in _steps(definition["Steps"]) if s["Type"] == "RegisterModel"]
    return step


def test_versions_wait_for_approval_with_metrics_and_their_own_baseline(shipped_plan: Any) -> None:
    for name, definition in definitions(shipped_plan("prod")).items():
        if not name.endswith("-retrain"):
            continue
        args = _register(definition)["Arguments"]
        assert args["ModelApprovalStatus"] == "PendingManualApproval"
        baseline = args["DriftCheckBaselines"]["ModelDataQuality"]
        assert baseline["Statistics"]["S3Uri"] == {
            "Get": "Steps.DataQualityBaseline.CalculatedBaselineStatistics"
        }
        assert args["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
        (condition,) = [s for s in definition["Steps"] if s["Type"] == "Condition"]
        assert [s["Type"] for s in condition["Arguments"]["ElseSteps"]] == ["Fail"]


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _physical(resource: dict[str, Any]) -> str:
    return str(resource["inputs"].get("name", resource["name"]))


def _created(plan: Plan) -> dict[str, set[str]]:
    region = plan.config.region
    images = {model_monitor_image(region)}
    for framework, versions in catalog.frameworks().items():
        for version in versions:
            for scope in ("training", "inference"):
                images.add(str(catalog.framework_image(framework, version, region, scope)))  # type: ignore[arg-type]
    return {
        "roles": {
            f"arn:aws:iam::123456789012:role/{_physical(r)}"
            for r in of_type(plan, "aws:iam/role:Role")
        },
        "groups": {
            r["inputs"]["modelPackageGroupName"]
            for r in of_type(plan, "aws:sagemaker/modelPackageGroup:ModelPackageGroup")
        },
        "security_groups": {
            f"{_physical(r)}-id" for r in of_type(plan, "aws:ec2/securityGroup:SecurityGroup")
        },
        "models": {_physical(r) for r in of_type(plan, "aws:sagemaker/model:Model")},
        "buckets": {plan.outputs["artifactBucketName"], plan.outputs["featureStoreBucketName"]},
        "images": images,
    }


def test_steps_reference_only_what_the_plan_creates(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    created = _created(plan)
    key, subnets = plan.outputs["kmsKeyArn"], plan.outputs["privateSubnetIds"]
    for name, definition in definitions(plan).items():
        family = re.sub(r"^mlops-[a-z]+-|-(retrain|batch)$", "", name)
        for step in _steps(definition["Steps"]):
            args = step["Arguments"]
            for text in _strings(args):
                if text.startswith("s3://"):
                    bucket, _, key_path = text[5:].partition("/")
                    assert bucket in created["buckets"], (name, text)
                    own = (f"pipelines/{family}/", f"models/{family}/", "offline-store/", "batch/")
                    assert key_path.startswith(own), (name, text)
                if ".dkr.ecr." in text:
                    assert text in created["images"], (name, text)
                if text.startswith("arn:aws:iam::"):
                    assert text in created["roles"], (name, text)
                if text.startswith("arn:aws:kms:"):
                    assert text == key, (name, text)
            for group in _strings(args.get("VpcConfig", args.get("NetworkConfig", {}))):
                assert group in created["security_groups"] or group in subnets, (name, group)
            if "ModelPackageGroupName" in args or "ModelPackageGroupName" in step:
                group = args.get("ModelPackageGroupName", step.get("ModelPackageGroupName"))
                assert group in created["groups"] and group.endswith(family), (name, group)
            if step["Type"] == "Transform":
                assert args["ModelName"] in created["models"]
