"""The EFA device plugin: advertises each EFA node's interfaces as `vpc.amazonaws.com/efa`.

Until it runs on a node, no pod there can be granted the EFA devices Karpenter attached.
Installed from the pinned `aws-efa-k8s-device-plugin` chart of the eks-charts repository,
only on EFA pool nodes (their label; it tolerates their GPU and EFA taints), and only in
stacks that have an EFA pool.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from .. import catalog
from ..helm_release import PinnedChart, pinned_release
from .efa import EFA_LABEL, EFA_TAINT
from .helm_values import EfaDevicePluginValues, Toleration
from .karpenter_pools import GPU_TAINT

EFA_CHART = "aws-efa-k8s-device-plugin"
EFA_REPOSITORY = "https://aws.github.io/eks-charts"
EFA_CHART_VERSION = "v0.5.30"


def _toleration(taint: Mapping[str, str]) -> Toleration:
    return {
        "key": taint["key"],
        "operator": "Equal",
        "value": taint["value"],
        "effect": taint["effect"],
    }


def efa_device_plugin_values(region: str) -> EfaDevicePluginValues:
    """Chart values: the regional image, on EFA nodes only, tolerating their taints.

    The image comes from the EKS add-on registry of the cluster's own region (the chart's
    default is us-west-2's), so the pull stays in the region; the account differs between
    regions and comes from the catalog.
    """
    registry = catalog.eks_image_registry(region)
    if registry is None:
        raise ValueError(f"the catalog records no EKS add-on image registry for {region}")
    return {
        "image": {"repository": f"{registry}/eks/{EFA_CHART}"},
        "nodeSelector": {EFA_LABEL: "true"},
        "tolerations": [
            _toleration(GPU_TAINT),
            _toleration(EFA_TAINT),
        ],
        "resources": {"requests": {"cpu": "10m", "memory": "20Mi"}, "limits": {"memory": "64Mi"}},
    }


def efa_device_plugin(
    name: str,
    *,
    region: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
) -> k8s.helm.v3.Release:
    """The pinned chart in kube-system."""
    return pinned_release(
        f"{name}-efa-device-plugin",
        PinnedChart(EFA_CHART, EFA_CHART, EFA_CHART_VERSION, EFA_REPOSITORY),
        namespace="kube-system",
        values=efa_device_plugin_values(region),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
