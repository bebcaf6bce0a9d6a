"""Delivery: Kubernetes objects on a private cluster need a deployer inside its VPC."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from .core import MANDATORY, Resource, as_list, is_false, is_unknown
from .registry import stack_rule
from .resource_types import CODEBUILD_PROJECT, CODEBUILD_WEBHOOK, EKS_CLUSTER

# The webhook event CodeBuild's GitHub Actions runners start a build on.
WORKFLOW_JOB_QUEUED = "WORKFLOW_JOB_QUEUED"


def _overlaps(left: object, right: object) -> bool:
    """Two subnet lists share a subnet; unknown ids (new subnets in a preview) may."""
    a, b = as_list(left), as_list(right)
    if any(is_unknown(x) for x in (left, right, *a, *b)):
        return True
    return bool(set(a) & set(b))


def _is_runner_webhook(hook: Resource, project: Resource) -> bool:
    """A webhook that turns the project's queued workflow jobs into builds."""
    name, target = hook.get("projectName"), project.get("name")
    if not (is_unknown(name) or is_unknown(target) or name == target):
        return False
    patterns = [
        f.get("pattern")
        for group in as_list(hook.get("filterGroups"))
        for f in as_list(group.get("filters") if isinstance(group, dict) else None)
        if isinstance(f, dict) and f.get("type") == "EVENT"
    ]
    return any(is_unknown(p) or p == WORKFLOW_JOB_QUEUED for p in patterns)


def _has_in_vpc_runner(cluster: Resource, resources: Sequence[Resource]) -> bool:
    """A CodeBuild GitHub Actions runner with interfaces in the cluster's subnets."""
    subnets = cluster.get("vpcConfig", "subnetIds")
    hooks = [r for r in resources if r.type == CODEBUILD_WEBHOOK]
    return any(
        _overlaps(project.get("vpcConfig", "subnets"), subnets)
        and any(_is_runner_webhook(hook, project) for hook in hooks)
        for project in resources
        if project.type == CODEBUILD_PROJECT
    )


@stack_rule(name="eks-private-api-needs-in-vpc-deployer", level=MANDATORY)
def check_private_cluster_deployer(
    resources: Sequence[Resource], environment: str | None
) -> Iterator[tuple[str, str]]:
    """Kubernetes objects on a private EKS API are deployed by a runner inside its VPC."""
    objects = [r for r in resources if r.type.startswith("kubernetes:")]
    if not objects:
        return
    for cluster in resources:
        if cluster.type != EKS_CLUSTER:
            continue
        # EKS turns the public endpoint on unless it is switched off.
        if not is_false(cluster.get("vpcConfig", "endpointPublicAccess")):
            continue
        if _has_in_vpc_runner(cluster, resources):
            continue
        yield (
            cluster.urn,
            f"cluster API is private and {len(objects)} Kubernetes objects are planned on it, "
            "but no deployer runs inside its VPC: add `ciRunners` to the stack file (a "
            "CodeBuild GitHub Actions runner in the private subnets), or deploy the AWS layer "
            "alone first with `training.kubernetesObjects: false` (README 'First deploy of "
            "a private cluster')",
        )
