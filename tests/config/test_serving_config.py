"""Serving and monitoring sections: what a stack file may say, and the one-line errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.config.loader import ConfigError, load_stack_file
from tests.helpers import BASE_STACK, write_stack

REGISTRY = {
    "models": [{"name": "fraud-detector"}, {"name": "churn-predictor"}],
    "images": [{"name": "fraud-serving"}],
}
BUCKET = "mlops-test-artifacts-123456789012"
ARTIFACT = f"s3://{BUCKET}/models/fraud-detector/2026-11-30-train-0412/model.tar.gz"
DIGEST = "sha256:" + "0123456789abcdef" * 4
REAL_TIME = {
    "name": "fraud",
    "model": "fraud-detector",
    "image": "fraud-serving",
    "instanceType": "ml.c6i.xlarge",
    "minInstances": 2,
    "maxInstances": 4,
}
SERVERLESS = {
    "name": "light",
    "model": "churn-predictor",
    "image": "fraud-serving",
    "serverless": {"memoryMb": 2048, "maxConcurrency": 5},
}


def stack(
    endpoints: list[dict[str, Any]],
    environment: str = "dev",
    monitoring: dict[str, Any] | None = None,
) -> dict[str, Any]:
    config = copy.deepcopy(BASE_STACK)
    config["mlops-platform:environment"] = environment
    config["mlops-platform:registry"] = copy.deepcopy(REGISTRY)
    config["mlops-platform:serving"] = {"endpoints": endpoints}
    if monitoring is None and environment == "prod":
        monitoring = {"alertEmails": ["oncall@example.com"]}
    if monitoring is not None:
        config["mlops-platform:monitoring"] = monitoring
    if environment == "prod":
        config["mlops-platform:network"] = {"azCount": 3, "natGateways": "perAz"}
    return config


def endpoint(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def error_of(tmp_path: Path, config: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, config))
    return caught.value


BAD_CONFIGS = [
    pytest.param(
        stack([endpoint(REAL_TIME, minInstances=5, maxInstances=3)]),
        "serving.endpoints[0].maxInstances",
        "must be >= minInstances (3 < 5)",
        id="min-above-max",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, minInstances=1)], environment="prod"),
        "serving.endpoints[0].minInstances",
        "prod real-time endpoints need at least 2 instances (got 1)",
        id="prod-single-instance",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, serverless={"memoryMb": 1500})]),
        "serving.endpoints[0].serverless.memoryMb",
        "1500 MB is not a serverless memory size (allowed: 1024, 2048, 3072, 4096, 5120, 6144)",
        id="serverless-memory",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, serverless={"maxConcurrency": 500})]),
        "serving.endpoints[0].serverless.maxConcurrency",
        "less than or equal to 200",
        id="serverless-concurrency",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, instanceType="ml.m5.large")]),
        "serving.endpoints[0].serverless",
        "set either instanceType (real-time) or serverless, not both",
        id="serverless-and-instance-type",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceType=None)]),
        "serving.endpoints[0].instanceType",
        "set instanceType (real-time) or serverless, one is required",
        id="no-capacity",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, dataCapturePercent=150)]),
        "serving.endpoints[0].dataCapturePercent",
        "a percentage of requests must be 0-100 (got 150)",
        id="capture-over-100",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, dataCapturePercent=-1)]),
        "serving.endpoints[0].dataCapturePercent",
        "must be 0-100 (got -1)",
        id="capture-negative",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceType="ml.c6i.huge")]),
        "serving.endpoints[0].instanceType",
        "unknown SageMaker hosting instance type 'ml.c6i.huge'",
        id="unknown-instance-type",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceType="c6i.xlarge")]),
        "serving.endpoints[0].instanceType",
        "'c6i.xlarge' is not a SageMaker hosting instance type (those start with 'ml.')",
        id="instance-type-without-ml-prefix",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceType="ml.m6i.large")]),
        "serving.endpoints[0].instanceType",
        "ml.m6i.large is not offered for SageMaker hosting in eu-west-1; offered instead: "
        "ml.m5.large",
        id="hosting-type-not-offered-in-region",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceType="ml.m5.12xlarge")]),
        "serving.endpoints[0].instanceType",
        "ml.m5.12xlarge has no recorded SageMaker hosting price for eu-west-1",
        id="unpriced-hosting-type",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"dataQuality": {"instanceType": "ml.c6i.large"}}),
        "monitoring.dataQuality.instanceType",
        "ml.c6i.large is not offered for SageMaker processing in eu-west-1",
        id="processing-type-not-offered-in-region",
    ),
    pytest.param(
        stack([REAL_TIME, endpoint(REAL_TIME, name="fraud-2", model="fraud-detektor")]),
        "serving.endpoints[1].model",
        "unknown model family 'fraud-detektor' (registry.models: fraud-detector, churn-predictor)",
        id="unknown-model",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, image="gpu-serving")]),
        "serving.endpoints[0].image",
        "unknown image 'gpu-serving' (registry.images: fraud-serving)",
        id="unknown-image",
    ),
    pytest.param(
        stack([REAL_TIME, SERVERLESS, endpoint(SERVERLESS, name="fraud")]),
        "serving.endpoints[2].name",
        "duplicate name 'fraud' (already used by endpoints[0])",
        id="duplicate-endpoint",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, rollout="blueGreen")]),
        "serving.endpoints[0].rollout.strategy",
        "'allAtOnce', 'canary' or 'linear'",
        id="unknown-rollout",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, rollout={"strategy": "canary", "stepPercent": 80})]),
        "serving.endpoints[0].rollout.stepPercent",
        "less than or equal to 50",
        id="canary-too-big",
    ),
    pytest.param(
        stack(
            [
                endpoint(
                    REAL_TIME,
                    rollout={"strategy": "linear", "stepPercent": 10, "waitSeconds": 1200},
                )
            ]
        ),
        "serving.endpoints[0].rollout.waitSeconds",
        "a linear rollout would bake for 12600 s",
        id="linear-too-slow",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, rollout={"strategy": "linear", "stepPercent": 5})]),
        "serving.endpoints[0].rollout.stepPercent",
        "linear steps must be 10-50% of capacity (got 5)",
        id="linear-step-too-small",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, rollout="canary")]),
        "serving.endpoints[0].rollout.strategy",
        "'canary' traffic shifting needs a real-time endpoint",
        id="serverless-canary",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, dataCapturePercent=10)]),
        "serving.endpoints[0].dataCapturePercent",
        "serverless endpoints cannot capture data (set 0)",
        id="serverless-capture",
    ),
    pytest.param(
        stack([endpoint(SERVERLESS, maxInstances=4)]),
        "serving.endpoints[0].maxInstances",
        "does not apply to a serverless endpoint",
        id="serverless-instances",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, instanceTyp="ml.m5.large")]),
        "serving.endpoints[0].instanceTyp",
        "unknown key",
        id="typo-key",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, imageTag="latest")]),
        "serving.endpoints[0].imageTag",
        "unknown key",
        id="image-tags-are-gone",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, modelDataUrl=ARTIFACT, imageDigest="sha256:abc")]),
        "serving.endpoints[0].imageDigest",
        "should match pattern",
        id="short-digest",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, modelDataUrl=ARTIFACT)]),
        "serving.endpoints[0].imageDigest",
        "modelDataUrl and imageDigest go together",
        id="artifact-without-image",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, imageDigest=DIGEST)]),
        "serving.endpoints[0].modelDataUrl",
        "modelDataUrl and imageDigest go together",
        id="image-without-artifact",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, modelPackageVersion=3, modelDataUrl=ARTIFACT)]),
        "serving.endpoints[0].modelDataUrl",
        "set either modelPackageVersion",
        id="package-and-artifact",
    ),
    pytest.param(
        stack([endpoint(REAL_TIME, modelPackageVersion=0)]),
        "serving.endpoints[0].modelPackageVersion",
        "greater than or equal to 1",
        id="version-zero",
    ),
    pytest.param(
        stack(
            [
                endpoint(
                    REAL_TIME,
                    modelDataUrl=f"s3://{BUCKET}/models/fraud-detector/model.tar.gz",
                    imageDigest=DIGEST,
                )
            ]
        ),
        "serving.endpoints[0].modelDataUrl",
        "is not s3://<artifact bucket>/models/<model>/<version>/<file>.tar.gz",
        id="unversioned-artifact-path",
    ),
    pytest.param(
        stack(
            [
                endpoint(
                    REAL_TIME,
                    modelDataUrl=f"s3://{BUCKET}/models/fraud-detector/latest/model.tar.gz",
                    imageDigest=DIGEST,
                )
            ]
        ),
        "serving.endpoints[0].modelDataUrl",
        "'latest' is not a version: retraining would overwrite it in place",
        id="latest-artifact-path",
    ),
    pytest.param(
        stack(
            [
                endpoint(
                    REAL_TIME,
                    modelDataUrl=f"s3://{BUCKET}/models/churn-predictor/v3/model.tar.gz",
                    imageDigest=DIGEST,
                )
            ]
        ),
        "serving.endpoints[0].modelDataUrl",
        "the artifact is under models/churn-predictor/ but the endpoint serves model "
        "'fraud-detector'",
        id="artifact-of-another-family",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"alertEmails": ["oncall.example.com"]}),
        "monitoring.alertEmails[0]",
        "'oncall.example.com' is not an e-mail address",
        id="bad-email",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"alertEmails": ["a@example.com", "A@example.com"]}),
        "monitoring.alertEmails[1]",
        "duplicate e-mail address 'A@example.com' (already at [0])",
        id="duplicate-email",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"alertHttpsEndpoints": ["http://hooks.example.com/x"]}),
        "monitoring.alertHttpsEndpoints[0]",
        "must be an https:// URL",
        id="http-webhook",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"alertHttpsEndpoints": ["https://localhost/x"]}),
        "monitoring.alertHttpsEndpoints[0]",
        "has no valid host name",
        id="webhook-without-domain",
    ),
    pytest.param(
        stack([REAL_TIME], environment="prod", monitoring={"logRetentionDays": 365}),
        "monitoring.alertEmails",
        "prod needs at least one alert recipient",
        id="prod-without-recipients",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"dataQuality": {"schedule": "rate(1 hour)"}}),
        "monitoring.dataQuality.schedule",
        "is not a Model Monitor schedule",
        id="bad-schedule",
    ),
    pytest.param(
        stack([REAL_TIME], monitoring={"cluster": {"maxPendingPods": -1}}),
        "monitoring.cluster.maxPendingPods",
        "greater than or equal to 0",
        id="negative-pending-pods",
    ),
]


@pytest.mark.parametrize(("config", "path", "message"), BAD_CONFIGS)
def test_bad_config_names_key_path_and_problem(
    tmp_path: Path, config: dict[str, Any], path: str, message: str
) -> None:
    error = error_of(tmp_path, config)
    assert error.path == path
    assert message in error.problem
    assert "\n" not in str(error)
    assert str(error).endswith(f"{path}: {error.problem}")


def test_cli_reports_a_bad_serving_config_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_stack(tmp_path, stack([endpoint(REAL_TIME, minInstances=5, maxInstances=3)]))
    assert main(["plan", "x", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "serving.endpoints[0].maxInstances: must be >= minInstances" in err[0]


def test_good_config_with_shorthand_rollout_and_defaults(tmp_path: Path) -> None:
    config = load_stack_file(
        write_stack(
            tmp_path,
            stack(
                [endpoint(REAL_TIME, rollout="canary", dataCapturePercent=100), SERVERLESS],
                environment="prod",
            ),
        )
    )
    real_time, serverless = config.serving.endpoints
    assert real_time.rollout.strategy == "canary"
    assert real_time.rollout.step_percent == 10
    assert real_time.alarms.latency_p99_ms == 1000
    assert serverless.is_serverless
    # Serverless endpoints are allowed in prod: the instance floor is for real-time ones.
    assert config.monitoring.log_retention_days == 365


def test_endpoint_without_a_version_is_declared_not_deployed(tmp_path: Path) -> None:
    pinned = endpoint(REAL_TIME, name="pinned", modelPackageVersion=4)
    artifact = endpoint(REAL_TIME, name="artifact", modelDataUrl=ARTIFACT, imageDigest=DIGEST)
    config = load_stack_file(write_stack(tmp_path, stack([REAL_TIME, pinned, artifact])))
    assert [e.name for e in config.serving.deployed()] == ["pinned", "artifact"]
    assert config.serving.pending_notes() == [
        {
            "endpoint": "fraud",
            "key": "serving.endpoints[0].modelPackageVersion",
            "message": "endpoint fraud: declared, not deployed — pin "
            'serving.endpoints[0].modelPackageVersion (see README "First model")',
        }
    ]


def test_shipped_stacks_pin_versions_except_dev() -> None:
    from infra.config.loader import stack_file_path

    dev = load_stack_file(stack_file_path("dev"))
    # A fresh dev account has no model yet: its endpoint waits for one.
    assert [e.is_deployed for e in dev.serving.endpoints] == [False]
    for name in ("staging", "prod"):
        config = load_stack_file(stack_file_path(name))
        assert config.serving.endpoints
        for e in config.serving.endpoints:
            assert e.model_package_version is not None, (name, e.name)


def test_shipped_stacks_have_the_serving_shape_of_their_environment() -> None:
    from infra.config.loader import stack_file_path

    dev = load_stack_file(stack_file_path("dev"))
    assert [e.is_serverless for e in dev.serving.endpoints] == [True]
    staging = load_stack_file(stack_file_path("staging"))
    assert [e.is_serverless for e in staging.serving.endpoints] == [False, False]
    prod = load_stack_file(stack_file_path("prod"))
    assert len(prod.serving.endpoints) == 3
    for e in prod.serving.endpoints:
        assert not e.is_serverless
        assert e.min_instances >= 2
        assert e.max_instances > e.min_instances
        assert e.data_capture_percent > 0
    assert {e.rollout.strategy for e in prod.serving.endpoints} >= {"canary", "linear"}
