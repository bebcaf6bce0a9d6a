"""CiClusterAccess: the CI roles' EKS access entries on the stack's training cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .context import Deployment

# Deploys create namespaces, resource quotas, a storage class, ClusterRoles and their
# bindings: cluster-scoped objects that AmazonEKSAdminPolicy (namespace admin) cannot make.
DEPLOY_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# `pulumi preview` only reads the cluster's objects.
PREVIEW_ACCESS_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"


@dataclass
class CiClusterAccessArgs:
    """Inputs of CiClusterAccess.

    Args:
        cluster_name: The EKS cluster (API authentication mode) the CI roles get into.
        deploy_role_arn: CI deploy role: cluster admin.
        preview_role_arn: CI preview role: view.
        ci_role_grants: The CI roles and their policies: EKS checks a principal when its
            access entry is made, so the entries wait for them.
    """

    cluster_name: pulumi.Input[str]
    deploy_role_arn: pulumi.Input[str]
    preview_role_arn: pulumi.Input[str]
    ci_role_grants: Sequence[pulumi.Resource] = ()


class CiClusterAccess(pulumi.ComponentResource):
    """EKS access entries of the CI roles, the only CI access to the cluster.

    The cluster grants its creator nothing; the deploy role gets
    `AmazonEKSClusterAdminPolicy` and the preview role `AmazonEKSViewPolicy`, both at
    cluster scope, each entry made after the role and its policies.

    Outputs:
        deploy_access_entry_arn: Access entry of the deploy role.
        preview_access_entry_arn: Access entry of the preview role.
    """

    deploy_access_entry_arn: pulumi.Output[str]
    preview_access_entry_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: CiClusterAccessArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:ci:CiClusterAccess", name, None, opts)
        entries: dict[str, aws.eks.AccessEntry] = {}
        for suffix, role_arn, policy in (
            ("deploy", args.deploy_role_arn, DEPLOY_ACCESS_POLICY),
            ("preview", args.preview_role_arn, PREVIEW_ACCESS_POLICY),
        ):
            entry = aws.eks.AccessEntry(
                f"{name}-{suffix}",
                cluster_name=args.cluster_name,
                principal_arn=role_arn,
                type="STANDARD",
                tags=deployment.tagged(),
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.ci_role_grants)),
            )
            entries[suffix] = entry
            aws.eks.AccessPolicyAssociation(
                f"{name}-{suffix}-policy",
                cluster_name=args.cluster_name,
                principal_arn=role_arn,
                policy_arn=policy,
                access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=entry, depends_on=[entry, *args.ci_role_grants]),
            )
        self.deploy_access_entry_arn = entries["deploy"].access_entry_arn
        self.preview_access_entry_arn = entries["preview"].access_entry_arn
        self.register_outputs(
            {
                "deploy_access_entry_arn": self.deploy_access_entry_arn,
                "preview_access_entry_arn": self.preview_access_entry_arn,
            }
        )
