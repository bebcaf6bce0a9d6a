"""Model registry events: what EventBridge delivers when a model package version changes.

A shared building block: promotion (pull requests) and the baseline copy (monitoring) both
act on versions turning Approved, and must agree on what that event looks like.
"""

from __future__ import annotations

from typing import Any

# EventBridge detail type of model package changes (registration, approval, updates).
MODEL_PACKAGE_EVENT = "SageMaker Model Package State Change"


def approval_event_pattern(*group_names: str) -> dict[str, Any]:
    """Matches a version of one of the groups turning (or staying) Approved, nothing else."""
    if not group_names:
        raise ValueError("an approval pattern needs at least one model package group")
    return {
        "source": ["aws.sagemaker"],
        "detail-type": [MODEL_PACKAGE_EVENT],
        "detail": {
            "ModelPackageGroupName": list(group_names),
            "ModelApprovalStatus": ["Approved"],
        },
    }
