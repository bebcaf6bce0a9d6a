"""The NVIDIA device plugin: advertises each GPU node's GPUs as `nvidia.com/gpu`.

The EKS AL2023 NVIDIA AMI ships the driver and container toolkit but not the plugin; until
it runs, no pod can request a GPU. A plain DaemonSet (the upstream static manifest) rather
than the Helm chart keeps it visible in the plan and validated like every other object.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from .node_groups import GPU_RESOURCE, NODE_KIND_LABEL

NAME = "nvidia-device-plugin"
DEVICE_PLUGIN_DIR = "/var/lib/kubelet/device-plugins"


def device_plugin_daemonset(
    resource_name: str,
    *,
    image: str,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.apps.v1.DaemonSet:
    """A DaemonSet on GPU nodes only, tolerating their `nvidia.com/gpu` taint."""
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "pulumi"}
    # Typed ArgsDicts (snake_case keys, sent to the API camelCase) so every field is checked.
    metadata: k8s.meta.v1.ObjectMetaArgsDict = {
        "name": NAME,
        "namespace": "kube-system",
        "labels": labels,
    }
    spec: k8s.apps.v1.DaemonSetSpecArgsDict = {
        "selector": {"match_labels": {"app.kubernetes.io/name": NAME}},
        "update_strategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "priority_class_name": "system-node-critical",
                "node_selector": {NODE_KIND_LABEL: "gpu"},
                "tolerations": [
                    {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
                ],
                "containers": [
                    {
                        "name": NAME,
                        "image": image,
                        "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"memory": "128Mi"},
                        },
                        "security_context": {
                            "allow_privilege_escalation": False,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "volume_mounts": [
                            {"name": "device-plugin", "mount_path": DEVICE_PLUGIN_DIR}
                        ],
                    }
                ],
                "volumes": [{"name": "device-plugin", "host_path": {"path": DEVICE_PLUGIN_DIR}}],
            },
        },
    }
    return k8s.apps.v1.DaemonSet(
        resource_name,
        metadata=metadata,
        spec=spec,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on)),
    )
