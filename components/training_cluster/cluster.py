"""TrainingCluster: a private EKS cluster for CPU and GPU training, shared by teams."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .. import catalog
from ..aws_context import AwsIdentity, aws_identity
from ..context import Deployment
from ..iam import service_role
from ..logs import encrypted_log_group
from ..output_values import concat
from .addons import (
    addons_after_nodes,
    addons_before_nodes,
    encrypted_storage_class,
    observability_addon,
)
from .args import TrainingClusterArgs
from .autoscaler import cluster_autoscaler
from .device_plugin import device_plugin_daemonset
from .efa import EFA_RESOURCE_TYPES
from .identity import EKS_CLUSTER_POLICIES, EKS_NODE_POLICIES
from .node_groups import node_group
from .scheduling import cluster_name, pools_and_queues
from .workloads import TeamNamespace

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# Operations the Auto Scaling service needs on the key to launch nodes whose root volumes
# it encrypts (AWS's documented grant for customer-managed keys on launch templates).
VOLUME_KEY_OPERATIONS = (
    "Encrypt",
    "Decrypt",
    "ReEncryptFrom",
    "ReEncryptTo",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "DescribeKey",
    "CreateGrant",
)


def kubeconfig(
    cluster_name: pulumi.Input[str],
    endpoint: pulumi.Input[str],
    ca_data: pulumi.Input[str],
    region: str,
) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with `aws eks get-token` (no stored credentials)."""

    def render(values: list[str]) -> str:
        name, server, ca = values
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": name, "cluster": {"server": server, "certificate-authority-data": ca}}
                ],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
                "users": [
                    {
                        "name": name,
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": "aws",
                                "args": [
                                    "eks",
                                    "get-token",
                                    "--cluster-name",
                                    name,
                                    "--region",
                                    region,
                                    "--output",
                                    "json",
                                ],
                                "interactiveMode": "Never",
                            }
                        },
                    }
                ],
            },
            sort_keys=True,
        )

    return pulumi.Output.all(cluster_name, endpoint, ca_data).apply(render)


def _autoscaler_image(kubernetes_version: str) -> str:
    """The cluster-autoscaler release built for this Kubernetes minor version."""
    version = catalog.kubernetes_version(kubernetes_version)
    if version is None:
        raise ValueError(f"Kubernetes version '{kubernetes_version}' is not in the catalog")
    return version.cluster_autoscaler_image


def _certificate_data(authority: aws.eks.outputs.ClusterCertificateAuthority) -> str:
    """The cluster's CA bundle; EKS always returns one for a created cluster."""
    if authority.data is None:
        raise ValueError("EKS returned no certificate authority data for the cluster")
    return authority.data


def _admin_slug(arn: str) -> str:
    account = arn.split(":")[4]
    role = arn.rsplit("/", 1)[-1]
    return f"{account}-{re.sub(r'[^a-z0-9]+', '-', role.lower()).strip('-')}"


class TrainingCluster(pulumi.ComponentResource):
    """An EKS cluster for CPU and GPU training.

    Control plane: on the private subnets, secrets envelope-encrypted with the platform
    key, every control-plane log type sent to a pre-created encrypted log group, the
    private endpoint always on (public only with an allow-list), API-mode access entries
    for admin roles, the version support level given by `support_type`.

    Nodes: one managed node group per `NodeGroupArgs` with a launch template requiring
    IMDSv2 and encrypting the gp3 root volume; GPU groups are tainted `nvidia.com/gpu` and
    tagged so the cluster autoscaler can scale them from zero.

    Add-ons: vpc-cni (NetworkPolicy enforcement on), kube-proxy and the pod identity agent
    before nodes; coredns and the EBS CSI driver after. vpc-cni and EBS CSI get their AWS
    permissions through their own pod identities, so the node role holds only what a
    node needs to join and pull images.

    On the cluster (through a Kubernetes provider built from its endpoint): one
    `TeamNamespace` per team, an encrypted default storage class, the NVIDIA device plugin
    and the cluster autoscaler (for the managed groups).

    Pools (`scheduling.py`): with `pools`, Karpenter (controller identity, node role and
    access entry, interruption queue) launches each pool's nodes from a NodePool and
    EC2NodeClass, and Kueue queues each team's jobs on them (a ClusterQueue per team in one
    cohort, a LocalQueue in its namespace). Pools come with the Kubernetes objects: with
    `kubernetes_objects` off, neither Karpenter's AWS side nor its pools are made yet.

    The Kubernetes objects are applied over the cluster API: with a private endpoint, run
    `pulumi up` from a network that reaches the VPC (the stack's CI runner), or first make
    the AWS layer alone (`kubernetes_objects` off). The identity creating the cluster gets
    no admin access unless `cluster_creator_admin` is on: cluster admins come from access
    entries (the admin roles here, the CI roles from the CI runner).

    Outputs:
        cluster_name: EKS cluster name.
        cluster_arn: EKS cluster ARN.
        endpoint: API server endpoint.
        cluster_security_group_id: Security group EKS made for the control plane and
            nodes (what in-VPC clients of the API are let into).
        node_group_names: Managed node group names.
        team_role_arns: Team -> IAM role of its workloads (a plain dict, not registered as
            an output).
        kubernetes_provider: Provider for further Kubernetes objects on this cluster (not an
            Output); None when `kubernetes_objects` is off.
        node_groups: The node group resources, for what must wait until nodes run (not an
            Output).
        kubernetes_layer_types: AWS types the Kubernetes layer creates in this cluster (pod
            identities; EFA pools' security and placement groups), for the deploy role.
    """

    # AWS types only the Kubernetes layer creates (teams' and services' pod identities):
    # the deploy role that applies that layer is granted them from the first deploy on.
    KUBERNETES_LAYER_TYPES = ("aws:eks/podIdentityAssociation:PodIdentityAssociation",)
    kubernetes_layer_types: tuple[str, ...]
    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    node_group_names: pulumi.Output[list[str]]
    node_groups: list[aws.eks.NodeGroup]
    team_role_arns: dict[str, pulumi.Output[str]]
    kubernetes_provider: k8s.Provider | None

    def __init__(
        self,
        name: str,
        args: TrainingClusterArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not any(group.kind == "system" for group in args.node_groups):
            raise ValueError("a TrainingCluster needs a node group of kind 'system'")
        super().__init__("mlops:training:TrainingCluster", name, None, opts)
        efa = EFA_RESOURCE_TYPES if any(pool.efa for pool in args.pools) else ()
        self.kubernetes_layer_types = (*self.KUBERNETES_LAYER_TYPES, *efa)
        physical = cluster_name(deployment)
        identity = aws_identity()

        cluster = self._control_plane(name, args, deployment, physical)
        self._admin_access(name, args.admin_role_arns, deployment, cluster)
        early = addons_before_nodes(
            name, deployment, cluster=cluster, physical_cluster_name=physical, parent=self
        )
        groups = self._node_groups(
            name, args, deployment, cluster, physical, identity, depends_on=list(early.values())
        )
        late = addons_after_nodes(
            name,
            deployment,
            cluster=cluster,
            physical_cluster_name=physical,
            kms_key_arn=args.kms_key_arn,
            parent=self,
            node_groups=groups,
            pod_identity_agent=early["eks-pod-identity-agent"],
        )
        self._observability(name, args, deployment, cluster, groups)
        self.kubernetes_provider = None
        self.team_role_arns = {}
        if args.kubernetes_objects:
            provider = self._kubernetes_provider(name, cluster, deployment.region)
            self.team_role_arns = self._teams(name, args, deployment, cluster, physical, provider)
            self._cluster_services(
                name, args, deployment, cluster, physical, identity, provider,
                ebs_csi_driver=late["aws-ebs-csi-driver"],
                autoscaler_depends_on=[*groups, early["eks-pod-identity-agent"]],
            )  # fmt: skip
            self.kubernetes_provider = provider
        self.node_groups = groups
        self.cluster_name = cluster.name
        self.cluster_arn = cluster.arn
        self.endpoint = cluster.endpoint
        self.cluster_security_group_id = cluster.vpc_config.cluster_security_group_id
        self.node_group_names = pulumi.Output.all(*[g.node_group_name for g in groups])
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_arn": self.cluster_arn,
                "endpoint": self.endpoint,
                "cluster_security_group_id": self.cluster_security_group_id,
                "node_group_names": self.node_group_names,
            }
        )

    def _control_plane(
        self, name: str, args: TrainingClusterArgs, deployment: Deployment, physical: str
    ) -> aws.eks.Cluster:
        """The EKS cluster, its IAM role and its control-plane log group."""
        # Created before the cluster so EKS writes into a log group with our key and
        # retention rather than creating an unencrypted one that never expires.
        log_group = encrypted_log_group(
            f"{name}-control-plane-logs",
            deployment,
            log_group_name=f"/aws/eks/{physical}/cluster",
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        cluster_role = service_role(
            f"{name}-cluster-role",
            deployment,
            role_name=f"{physical}-cluster",
            services=["eks.amazonaws.com"],
            parent=self,
            managed_policies=EKS_CLUSTER_POLICIES,
            description="EKS control plane of the training cluster",
        )
        public = args.endpoint_public_access
        cluster = aws.eks.Cluster(
            name,
            name=physical,
            role_arn=cluster_role.arn,
            version=args.kubernetes_version,
            vpc_config={
                "subnet_ids": args.private_subnet_ids,
                "endpoint_private_access": True,
                "endpoint_public_access": public,
                "public_access_cidrs": list(args.public_access_cidrs) if public else None,
            },
            encryption_config={
                "provider": {"key_arn": args.kms_key_arn},
                "resources": ["secrets"],
            },
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            access_config={
                "authentication_mode": "API",
                # Admins come from the access entries made here, not from whoever ran
                # the first deploy.
                "bootstrap_cluster_creator_admin_permissions": args.cluster_creator_admin,
            },
            # The managed add-ons replace the unmanaged defaults.
            bootstrap_self_managed_addons=False,
            upgrade_policy={"support_type": args.support_type},
            deletion_protection=deployment.eks_deletion_protection,
            tags=deployment.tagged(physical),
            opts=deployment.stateful(self, depends_on=[log_group, *cluster_role.ready]),
        )
        return cluster

    @staticmethod
    def _admin_access(
        name: str, admin_role_arns: Sequence[str], deployment: Deployment, cluster: aws.eks.Cluster
    ) -> None:
        """An API-mode access entry with cluster-admin for each admin role."""
        for arn in admin_role_arns:
            slug = _admin_slug(arn)
            entry = aws.eks.AccessEntry(
                f"{name}-admin-{slug}",
                cluster_name=cluster.name,
                principal_arn=arn,
                type="STANDARD",
                tags=deployment.tagged(),
                opts=pulumi.ResourceOptions(parent=cluster),
            )
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{slug}-policy",
                cluster_name=cluster.name,
                principal_arn=arn,
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope={"type": "cluster"},
                opts=pulumi.ResourceOptions(parent=entry, depends_on=[entry]),
            )

    def _node_groups(
        self,
        name: str,
        args: TrainingClusterArgs,
        deployment: Deployment,
        cluster: aws.eks.Cluster,
        physical: str,
        identity: AwsIdentity,
        *,
        depends_on: Sequence[pulumi.Resource],
    ) -> list[aws.eks.NodeGroup]:
        """The node role, the key grant for encrypted root volumes, and one group per spec."""
        node_role = service_role(
            f"{name}-node-role",
            deployment,
            role_name=f"{physical}-node",
            services=["ec2.amazonaws.com"],
            parent=self,
            managed_policies=EKS_NODE_POLICIES,
            description="EC2 nodes of the training cluster",
        )
        volume_grant = aws.kms.Grant(
            f"{name}-node-volume-key",
            name=f"{physical}-node-volumes",
            key_id=args.kms_key_arn,
            grantee_principal=concat(
                "arn:",
                identity.partition,
                ":iam::",
                identity.account_id,
                ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
            ),
            operations=list(VOLUME_KEY_OPERATIONS),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return [
            node_group(
                f"{name}-{group.name}",
                group,
                deployment,
                cluster_name=cluster.name,
                physical_cluster_name=physical,
                kubernetes_version=args.kubernetes_version,
                node_role_arn=node_role.arn,
                subnet_ids=args.private_subnet_ids,
                kms_key_arn=args.kms_key_arn,
                parent=self,
                # Nodes start only once their role's policies, the volume key grant and the
                # networking add-ons exist.
                depends_on=[*node_role.ready, volume_grant, *depends_on],
            )
            for group in args.node_groups
        ]

    def _observability(
        self,
        name: str,
        args: TrainingClusterArgs,
        deployment: Deployment,
        cluster: aws.eks.Cluster,
        groups: list[aws.eks.NodeGroup],
    ) -> None:
        """Container Insights: the add-on starts its agents on nodes, so it waits for them."""
        if args.observability_addon:
            observability_addon(
                name,
                deployment,
                cluster_name=cluster.name,
                kms_key_arn=args.kms_key_arn,
                log_retention_days=args.log_retention_days,
                parent=self,
                node_groups=groups,
            )

    def _kubernetes_provider(
        self, name: str, cluster: aws.eks.Cluster, region: str
    ) -> k8s.Provider:
        """A Kubernetes provider for this cluster, authenticating with `aws eks get-token`."""
        ca_data = cluster.certificate_authority.apply(_certificate_data)
        return k8s.Provider(
            f"{name}-k8s",
            kubeconfig=kubeconfig(cluster.name, cluster.endpoint, ca_data, region),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _teams(
        self,
        name: str,
        args: TrainingClusterArgs,
        deployment: Deployment,
        cluster: aws.eks.Cluster,
        physical: str,
        provider: k8s.Provider,
    ) -> dict[str, pulumi.Output[str]]:
        """One TeamNamespace per team; returns each team's workload role ARN."""
        team_role_arns: dict[str, pulumi.Output[str]] = {}
        self.team_namespaces: dict[str, pulumi.Resource] = {}
        for team in args.teams:
            workspace = TeamNamespace(
                f"{name}-team-{team.name}",
                team,
                deployment,
                cluster_name=cluster.name,
                physical_cluster_name=physical,
                provider=provider,
                kms_key_arn=args.kms_key_arn,
                workload_bucket_arns=args.workload_bucket_arns,
                model_package_group_arns=args.model_package_group_arns,
                opts=pulumi.ResourceOptions(parent=self),
            )
            team_role_arns[team.name] = workspace.role_arn
            self.team_namespaces[team.name] = workspace
        return team_role_arns

    def _cluster_services(
        self,
        name: str,
        args: TrainingClusterArgs,
        deployment: Deployment,
        cluster: aws.eks.Cluster,
        physical: str,
        identity: AwsIdentity,
        provider: k8s.Provider,
        *,
        ebs_csi_driver: pulumi.Resource,
        autoscaler_depends_on: Sequence[pulumi.Resource],
    ) -> None:
        """Storage class, GPU device plugin, cluster autoscaler, Karpenter pools and Kueue."""
        encrypted_storage_class(
            f"{name}-gp3-encrypted",
            kms_key_arn=args.kms_key_arn,
            provider=provider,
            parent=self,
            depends_on=[ebs_csi_driver],
        )
        if any(g.kind == "gpu" for g in args.node_groups) or any(
            p.kind == "gpu" for p in args.pools
        ):
            device_plugin_daemonset(
                f"{name}-nvidia-device-plugin",
                image=args.device_plugin_image,
                provider=provider,
                parent=self,
            )
        cluster_autoscaler(
            f"{name}-cluster-autoscaler",
            deployment,
            cluster_name=cluster.name,
            physical_cluster_name=physical,
            identity=identity,
            image=args.autoscaler_image or _autoscaler_image(args.kubernetes_version),
            provider=provider,
            parent=self,
            depends_on=autoscaler_depends_on,
        )
        # Karpenter and Kueue, when there are pools; their controllers run on the groups.
        pools_and_queues(
            name,
            args,
            deployment,
            cluster=cluster,
            physical_cluster_name=physical,
            identity=identity,
            provider=provider,
            team_namespaces=self.team_namespaces,
            parent=self,
            depends_on=autoscaler_depends_on,
        )
