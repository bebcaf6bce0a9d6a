"""KMS: customer keys rotate their key material."""

from __future__ import annotations

from collections.abc import Iterator

from .core import MANDATORY, UNKNOWN, Resource, is_true, is_unknown
from .registry import rule
from .resource_types import KMS_KEY


@rule(name="kms-key-rotation", level=MANDATORY, types={KMS_KEY})
def check_kms_rotation(r: Resource, environment: str | None) -> Iterator[str]:
    """Symmetric KMS keys rotate their key material."""
    spec = r.get("customerMasterKeySpec")
    if isinstance(spec, str) and spec != "SYMMETRIC_DEFAULT":
        return  # AWS rotates only symmetric encryption keys
    if r.get("keyUsage") not in (None, "ENCRYPT_DECRYPT", UNKNOWN):
        return
    rotation = r.get("enableKeyRotation")
    if not is_unknown(rotation) and not is_true(rotation):
        yield "symmetric KMS key must have enableKeyRotation true"
