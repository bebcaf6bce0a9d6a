"""SageMaker: endpoint storage encryption, prod data capture, feature-store encryption."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from ..synth import KEY_ARN, PROD_TAGS, TAGS, Case, case_id, check_case

VARIANT = {
    "variant_name": "main",
    "model_name": "m",
    "instance_type": "ml.c6i.xlarge",
    "initial_instance_count": 2,
}
CAPTURE = {
    "enable_capture": True,
    "initial_sampling_percentage": 20,
    "destination_s3_uri": "s3://capture/",
    "capture_options": [{"capture_mode": "Input"}, {"capture_mode": "Output"}],
}


def endpoint_config(
    kms: bool = True, capture: dict | None = CAPTURE, tags=PROD_TAGS, instance_type: str = ""
):
    variant = {**VARIANT, "instance_type": instance_type} if instance_type else VARIANT

    def program() -> None:
        aws.sagemaker.EndpointConfiguration(
            "ec",
            kms_key_arn=KEY_ARN if kms else None,
            production_variants=[variant],
            data_capture_config=capture,
            tags=tags,
        )

    return program


def feature_group(online_kms: bool = True, offline_kms: bool = True):
    def program() -> None:
        aws.sagemaker.FeatureGroup(
            "fg",
            feature_group_name="customers",
            record_identifier_feature_name="id",
            event_time_feature_name="t",
            role_arn="arn:aws:iam::123456789012:role/fs",
            feature_definitions=[
                {"feature_name": "id", "feature_type": "String"},
                {"feature_name": "t", "feature_type": "String"},
            ],
            online_store_config={
                "enable_online_store": True,
                "security_config": {"kms_key_id": KEY_ARN} if online_kms else None,
            },
            offline_store_config={
                "s3_storage_config": {
                    "s3_uri": "s3://offline/",
                    "kms_key_id": KEY_ARN if offline_kms else None,
                }
            },
            tags=TAGS,
        )

    return program


CASES = [
    Case("sagemaker-endpoint-encryption", "dev", endpoint_config()),
    Case("sagemaker-endpoint-encryption", "dev", endpoint_config(kms=False), "kmsKeyArn", "ec"),
    # GPU hosting types with local NVMe: SageMaker rejects a volume key, so none is demanded...
    Case(
        "sagemaker-endpoint-encryption",
        "dev",
        endpoint_config(kms=False, instance_type="ml.g5.xlarge"),
    ),
    # ...and one that is set anyway would fail CreateEndpointConfig.
    Case(
        "sagemaker-endpoint-encryption",
        "dev",
        endpoint_config(instance_type="ml.g5.xlarge"),
        "hardware-encrypted",
        "ec",
    ),
    Case("sagemaker-data-capture-prod", "prod", endpoint_config()),
    Case("sagemaker-data-capture-prod", "dev", endpoint_config(capture=None, tags=TAGS)),
    Case("sagemaker-data-capture-prod", "prod", endpoint_config(capture=None), "dataCapture"),
    Case(
        "sagemaker-data-capture-prod",
        "prod",
        endpoint_config(capture={**CAPTURE, "enable_capture": False}),
        "enableCapture",
        "ec",
    ),
    Case(
        "sagemaker-data-capture-prod",
        "prod",
        endpoint_config(capture={**CAPTURE, "initial_sampling_percentage": 0}),
        "non-zero",
    ),
    Case("feature-group-encryption", "dev", feature_group()),
    Case("feature-group-encryption", "dev", feature_group(online_kms=False), "online store"),
    Case("feature-group-encryption", "dev", feature_group(offline_kms=False), "offline store"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)
