"""Helm releases the platform installs: a pinned chart, rolled back whole if it fails.

Every chart is pinned to a version the project has checked against its repository (a
floating version would change the cluster on a `pulumi up` nobody reviewed). A failed
install or upgrade is rolled back (`atomic`) and what it created is removed
(`cleanup_on_fail`), so a release is never left half-applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class PinnedChart:
    """Where a chart comes from, at which version.

    Args:
        release_name: The Helm release's name in the cluster.
        chart: The chart's name in `repository`, or an `oci://` reference.
        version: The pinned chart version.
        repository: The chart repository URL; None for an `oci://` chart.
    """

    release_name: str
    chart: str
    version: str
    repository: str | None = None


def pinned_release(
    resource_name: str,
    pinned: PinnedChart,
    *,
    namespace: str,
    values: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
    create_namespace: bool | None = None,
) -> k8s.helm.v3.Release:
    """The chart at its pinned version in `namespace`, atomic and cleaned up on failure."""
    return k8s.helm.v3.Release(
        resource_name,
        name=pinned.release_name,
        chart=pinned.chart,
        version=pinned.version,
        repository_opts={"repo": pinned.repository} if pinned.repository else None,
        namespace=namespace,
        create_namespace=create_namespace,
        values=dict(values),
        atomic=True,
        cleanup_on_fail=True,
        opts=opts,
    )
