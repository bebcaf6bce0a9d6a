"""SageMaker: encrypted endpoint storage, data capture in prod, encrypted feature stores."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

# The catalog is plain data read with the standard library (tested there), so the pack's
# virtualenv can load it; it is the one place that knows which types have instance storage.
from components.catalog import supports_volume_kms

from .core import MANDATORY, Resource, dig, is_false, is_unknown, missing
from .registry import rule
from .resource_types import ENDPOINT_CONFIG, FEATURE_GROUP


@rule(name="sagemaker-endpoint-encryption", level=MANDATORY, types={ENDPOINT_CONFIG})
def check_endpoint_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    """SageMaker endpoint configurations encrypt their storage with KMS where it can be set."""
    types = [t for t in (dig(v, "instanceType") for v in _variants(r)) if isinstance(t, str) and t]
    # Types with local NVMe storage encrypt it in hardware; SageMaker rejects a volume key.
    local_storage = [t for t in types if not supports_volume_kms(t)]
    if local_storage:
        if not missing(r.get("kmsKeyArn")) and not is_unknown(r.get("kmsKeyArn")):
            yield (
                f"endpoint configuration sets kmsKeyArn on {', '.join(local_storage)}, whose "
                "instance storage is hardware-encrypted; SageMaker rejects the key"
            )
        return
    if missing(r.get("kmsKeyArn")):
        yield "endpoint configuration must set kmsKeyArn (ML storage volumes encrypted with KMS)"


def _variants(r: Resource) -> list[object]:
    variants = r.get("productionVariants")
    return list(variants) if isinstance(variants, list | tuple) else []


@rule(name="sagemaker-data-capture-prod", level=MANDATORY, types={ENDPOINT_CONFIG})
def check_endpoint_data_capture(r: Resource, environment: str | None) -> Iterator[str]:
    """Prod SageMaker endpoint configurations capture data for model monitoring."""
    if environment != "prod":
        return
    capture = r.get("dataCaptureConfig")
    if is_unknown(capture):
        return
    if missing(capture):
        yield "prod endpoint configuration must enable dataCaptureConfig"
        return
    if is_false(dig(capture, "enableCapture")):
        yield "prod endpoint configuration must have dataCaptureConfig.enableCapture true"
    percent = dig(capture, "initialSamplingPercentage")
    if isinstance(percent, int | float) and percent <= 0:
        yield "prod endpoint configuration must capture a non-zero initialSamplingPercentage"


@rule(name="feature-group-encryption", level=MANDATORY, types={FEATURE_GROUP})
def check_feature_group_encryption(r: Resource, environment: str | None) -> Iterator[str]:
    """Feature groups encrypt the online and the offline store with KMS."""
    online = r.get("onlineStoreConfig")
    online_on = isinstance(online, Mapping) and not is_false(online.get("enableOnlineStore"))
    if online_on and missing(dig(online, "securityConfig", "kmsKeyId")):
        yield "online store must set onlineStoreConfig.securityConfig.kmsKeyId"
    offline = r.get("offlineStoreConfig")
    if isinstance(offline, Mapping) and missing(dig(offline, "s3StorageConfig", "kmsKeyId")):
        yield "offline store must set offlineStoreConfig.s3StorageConfig.kmsKeyId"
