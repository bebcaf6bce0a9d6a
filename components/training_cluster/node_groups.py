"""Managed node groups: launch templates, labels, the GPU taint and autoscaler hints."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .. import catalog
from ..context import Deployment
from .args import NodeGroupArgs

NODE_KIND_LABEL = "mlops-platform/node-kind"
NODE_GROUP_LABEL = "mlops-platform/node-group"
GPU_RESOURCE = "nvidia.com/gpu"
CA_NODE_TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
ROOT_DEVICE = "/dev/xvda"  # root device of the EKS AL2023 AMIs


def node_labels(group: NodeGroupArgs) -> dict[str, str]:
    """Kubernetes labels of the group's nodes; workloads select node kinds by them."""
    return {NODE_KIND_LABEL: group.kind, NODE_GROUP_LABEL: group.name}


def node_taints(group: NodeGroupArgs) -> list[aws.eks.NodeGroupTaintArgsDict]:
    """Taints of the group's nodes: GPU nodes repel every pod that does not tolerate GPUs."""
    if group.kind != "gpu":
        return []
    return [{"key": GPU_RESOURCE, "value": "true", "effect": "NO_SCHEDULE"}]


def autoscaler_template_tags(group: NodeGroupArgs) -> dict[str, str]:
    """Tags that describe a node of the group to the cluster autoscaler.

    With no node running (min 0) the autoscaler cannot see the labels, taints and GPUs a
    new node would have; these Auto Scaling group tags tell it, so a pending GPU pod
    triggers a scale-up from zero.
    """
    tags = {f"{CA_NODE_TEMPLATE}/label/{k}": v for k, v in node_labels(group).items()}
    for taint in node_taints(group):
        tags[f"{CA_NODE_TEMPLATE}/taint/{taint['key']}"] = f"{taint['value']}:NoSchedule"
    gpus = _spec(group.instance_types[0]).gpus
    if gpus:
        tags[f"{CA_NODE_TEMPLATE}/resources/{GPU_RESOURCE}"] = str(gpus)
    return tags


def _spec(name: str) -> catalog.InstanceSpec:
    spec = catalog.instance_type(name)
    if spec is None:
        raise ValueError(f"instance type '{name}' is not in the catalog")
    return spec


def ami_type(instance_types: Sequence[str]) -> str:
    """The EKS AL2023 AMI type for a node group of these (compatible) instance types."""
    specs = [_spec(name) for name in instance_types]
    if any(spec.is_gpu for spec in specs):
        return "AL2023_x86_64_NVIDIA"
    if specs[0].architecture == "arm64":
        return "AL2023_ARM_64_STANDARD"
    return "AL2023_x86_64_STANDARD"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Tag keys the launch template stamps on instances, volumes and interfaces. The template's
# data is versioned and a new version rolls every node, so it carries only these fixed keys
# (values that never change for a stack); the stack's other tags go on the template itself.
INSTANCE_TAG_KEYS = ("Name", "eks-cluster", "stack", "environment")


def launch_template(
    resource_name: str,
    group: NodeGroupArgs,
    deployment: Deployment,
    *,
    cluster_name: str,
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> aws.ec2.LaunchTemplate:
    """Launch template of a node group: IMDSv2 only and an encrypted gp3 root volume.

    Hop limit 2 lets containers that still read instance metadata get a token through
    the extra network hop of the pod network; tokens are required, so the SSRF-prone
    IMDSv1 is off.
    """
    physical = deployment.name("training", group.name)
    tags = deployment.tagged(physical, **{"eks-cluster": cluster_name})
    instance_tags = {key: tags[key] for key in INSTANCE_TAG_KEYS if key in tags}
    return aws.ec2.LaunchTemplate(
        resource_name,
        name=physical,
        description=f"{cluster_name} node group {group.name}",
        update_default_version=True,
        metadata_options={
            "http_endpoint": "enabled",
            "http_tokens": "required",
            "http_put_response_hop_limit": 2,
            "instance_metadata_tags": "disabled",
        },
        block_device_mappings=[
            {
                "device_name": ROOT_DEVICE,
                "ebs": {
                    "volume_size": group.disk_size_gib,
                    "volume_type": "gp3",
                    "encrypted": "true",
                    "kms_key_id": kms_key_arn,
                    "delete_on_termination": "true",
                },
            }
        ],
        tag_specifications=[
            {"resource_type": kind, "tags": instance_tags}
            for kind in ("instance", "volume", "network-interface")
        ],
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _node_group_tags(
    group: NodeGroupArgs, deployment: Deployment, physical_cluster_name: str
) -> dict[str, str]:
    """Tags of a node group: autoscaler discovery for this cluster and the node template."""
    discovery = {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{physical_cluster_name}": "owned",
    }
    return deployment.tagged(
        deployment.name("training", group.name), **discovery, **autoscaler_template_tags(group)
    )


def _auto_scaling_group_name(resources: Sequence[aws.eks.outputs.NodeGroupResource]) -> str:
    """The Auto Scaling group EKS creates for a managed node group (always exactly one)."""
    groups = resources[0].autoscaling_groups
    if not groups or groups[0].name is None:
        raise ValueError("EKS reported no Auto Scaling group for the node group")
    return groups[0].name


def _tag_auto_scaling_group(
    resource_name: str, group: NodeGroupArgs, nodes: aws.eks.NodeGroup
) -> None:
    """Copy the autoscaler template tags onto the group's Auto Scaling group.

    Managed node group tags stay on the node group; the autoscaler reads its Auto Scaling
    group, so the template tags are put there too.
    """
    asg_name = nodes.resources.apply(_auto_scaling_group_name)
    for key, value in autoscaler_template_tags(group).items():
        aws.autoscaling.Tag(
            f"{resource_name}-asg-{_slug(key.removeprefix(CA_NODE_TEMPLATE + '/'))}",
            autoscaling_group_name=asg_name,
            tag={"key": key, "value": value, "propagate_at_launch": False},
            opts=pulumi.ResourceOptions(parent=nodes),
        )


def node_group(
    resource_name: str,
    group: NodeGroupArgs,
    deployment: Deployment,
    *,
    cluster_name: pulumi.Input[str],
    physical_cluster_name: str,
    kubernetes_version: str,
    node_role_arn: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    kms_key_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource],
) -> aws.eks.NodeGroup:
    """A managed node group over all private subnets, and its autoscaler template tags."""
    template = launch_template(
        f"{resource_name}-lt",
        group,
        deployment,
        cluster_name=physical_cluster_name,
        kms_key_arn=kms_key_arn,
        parent=parent,
    )
    nodes = aws.eks.NodeGroup(
        resource_name,
        cluster_name=cluster_name,
        # A prefix (EKS appends a unique suffix) lets a change that needs a new node group
        # create the new one before deleting the old, instead of failing on the name.
        node_group_name_prefix=f"{group.name}-",
        node_role_arn=node_role_arn,
        subnet_ids=subnet_ids,
        version=kubernetes_version,
        ami_type=ami_type(group.instance_types),
        capacity_type="SPOT" if group.spot else "ON_DEMAND",
        instance_types=list(group.instance_types),
        scaling_config={
            "min_size": group.min_size,
            "desired_size": group.desired_size,
            "max_size": group.max_size,
        },
        update_config={"max_unavailable_percentage": 33},
        node_repair_config={"enabled": True},
        launch_template={"id": template.id, "version": template.latest_version.apply(str)},
        labels=node_labels(group),
        taints=node_taints(group) or None,
        tags=_node_group_tags(group, deployment, physical_cluster_name),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=list(depends_on),
            # The autoscaler owns the size once the group exists.
            ignore_changes=["scalingConfig.desiredSize"],
        ),
    )
    _tag_auto_scaling_group(resource_name, group, nodes)
    return nodes
