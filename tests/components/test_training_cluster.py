"""TrainingCluster: the EKS cluster, its nodes, add-ons, identities and team namespaces.

Most tests read the shipped stacks' plans (the real program under mocks); the workload
IAM tests run the component on its own with bucket and model-group ARNs, which the
program wires in from the feature store and registry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from components import Deployment, catalog
from components.training_cluster import NodeGroupArgs, TeamArgs, TrainingCluster
from components.training_cluster.args import TrainingClusterArgs
from infra.mocks import PlatformMocks
from infra.plan import Plan, RecordingMonitor, build_plan, record_resources
from tests.helpers import BASE_STACK, by_urn, children_of, of_type, policy_json, write_stack
from tests.node_groups import prod_with_gpu_node_groups

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ASG_TAG = "aws:autoscaling/tag:Tag"
TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
LOG_TYPES = {"api", "audit", "authenticator", "controllerManager", "scheduler"}


def _group_name(inputs: dict) -> str:
    """The configured group of a node group, named by prefix (create-before-delete)."""
    return str(inputs["nodeGroupNamePrefix"]).removesuffix("-")


def one(plan: Plan, type_token: str) -> dict[str, Any]:
    found = of_type(plan, type_token)
    assert len(found) == 1, [r["name"] for r in found]
    return found[0]


def k8s_objects(plan: Plan, kind: str) -> list[dict[str, Any]]:
    return [
        r
        for r in plan.resources
        if r["type"].startswith("kubernetes:") and r["type"].endswith(f":{kind}")
    ]


def managed_policies_of(plan: Plan, role: dict[str, Any]) -> set[str]:
    return {
        a["inputs"]["policyArn"].rsplit("/", 1)[-1]
        for a in of_type(plan, ATTACHMENT)
        if a["parent"] == role["urn"]
    }


def inline_statements_of(plan: Plan, role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for p in of_type(plan, ROLE_POLICY)
        if p["parent"] == role["urn"]
        for statement in policy_json(p)["Statement"]
    ]


def role_named(plan: Plan, suffix: str) -> dict[str, Any]:
    matches = [r for r in of_type(plan, ROLE) if r["inputs"]["name"].endswith(suffix)]
    assert len(matches) == 1, suffix
    return matches[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- control plane --------------------------------------------------------------------


def test_cluster_runs_on_private_subnets_with_encrypted_secrets(any_shipped_plan: Plan) -> None:
    cluster = one(any_shipped_plan, CLUSTER)["inputs"]
    outputs = any_shipped_plan.outputs
    assert cluster["vpcConfig"]["subnetIds"] == outputs["privateSubnetIds"]
    assert cluster["encryptionConfig"] == {
        "resources": ["secrets"],
        "provider": {"keyArn": outputs["kmsKeyArn"]},
    }
    assert set(cluster["enabledClusterLogTypes"]) == LOG_TYPES
    assert cluster["version"] == any_shipped_plan.config.training.kubernetes_version
    assert cluster["accessConfig"]["authenticationMode"] == "API"
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster["bootstrapSelfManagedAddons"] is False
    assert (
        outputs["eksClusterName"] == cluster["name"] == f"mlops-{any_shipped_plan.stack}-training"
    )


def test_control_plane_logs_go_to_a_precreated_encrypted_group(any_shipped_plan: Plan) -> None:
    cluster = one(any_shipped_plan, CLUSTER)
    name = f"/aws/eks/{cluster['inputs']['name']}/cluster"
    groups = [
        g
        for g in of_type(any_shipped_plan, "aws:cloudwatch/logGroup:LogGroup")
        if g["inputs"]["name"] == name
    ]
    assert len(groups) == 1
    group = groups[0]
    assert group["inputs"]["kmsKeyId"] == any_shipped_plan.outputs["kmsKeyArn"]
    assert (
        group["inputs"]["retentionInDays"] == any_shipped_plan.config.monitoring.log_retention_days
    )
    assert group["urn"] in cluster["dependsOn"]


def test_prod_endpoint_is_private_and_the_cluster_protected(
    shipped_plan: Callable[[str], Plan],
) -> None:
    prod = one(shipped_plan("prod"), CLUSTER)
    assert prod["inputs"]["vpcConfig"]["endpointPrivateAccess"] is True
    assert prod["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in prod["inputs"]["vpcConfig"]
    assert prod["inputs"]["deletionProtection"] is True
    assert prod["protect"] and prod["retainOnDelete"]
    staging = one(shipped_plan("staging"), CLUSTER)
    assert staging["inputs"]["vpcConfig"]["endpointPublicAccess"] is False
    assert not staging["protect"]


def test_dev_endpoint_is_public_only_to_its_allow_list(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("dev")
    vpc = one(plan, CLUSTER)["inputs"]["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == [str(c) for c in plan.config.training.public_access_cidrs]
    assert "0.0.0.0/0" not in vpc["publicAccessCidrs"]


def test_admin_roles_get_cluster_admin_access_entries(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    admins = plan.config.training.admin_role_arns
    (cluster,) = of_type(plan, CLUSTER)
    # The CI roles' entries belong to CiClusterAccess (tests/components/test_ci_runners.py).
    entries = children_of(plan, cluster["urn"])
    entries = [e for e in entries if e["type"] == "aws:eks/accessEntry:AccessEntry"]
    assert sorted(e["inputs"]["principalArn"] for e in entries) == sorted(admins)
    assert all(e["inputs"]["type"] == "STANDARD" for e in entries)
    entry_urns = {e["urn"] for e in entries}
    associations = [
        a
        for a in of_type(plan, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        if a["parent"] in entry_urns
    ]
    assert sorted(a["inputs"]["principalArn"] for a in associations) == sorted(admins)
    for association in associations:
        assert association["inputs"]["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
        assert association["inputs"]["accessScope"] == {"type": "cluster"}
        entry = next(
            e
            for e in entries
            if e["inputs"]["principalArn"] == association["inputs"]["principalArn"]
        )
        assert entry["urn"] in association["dependsOn"]


# -- IAM --------------------------------------------------------------------------------


def test_cluster_and_node_roles_hold_only_what_eks_requires(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    cluster = one(plan, CLUSTER)
    cluster_role = next(
        r for r in of_type(plan, ROLE) if r["inputs"]["name"].endswith("-training-cluster")
    )
    assert cluster["inputs"]["roleArn"].endswith(f"role/{cluster_role['inputs']['name']}")
    assert managed_policies_of(plan, cluster_role) == {"AmazonEKSClusterPolicy"}
    assert inline_statements_of(plan, cluster_role) == []
    # The cluster starts only once its policy is attached.
    attachment = next(a for a in of_type(plan, ATTACHMENT) if a["parent"] == cluster_role["urn"])
    assert attachment["urn"] in cluster["dependsOn"]

    node_role = role_named(plan, "-training-node")
    assert managed_policies_of(plan, node_role) == {
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
    }
    assert json.loads(node_role["inputs"]["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    for group in of_type(plan, NODE_GROUP):
        assert group["inputs"]["nodeRoleArn"].endswith(f"role/{node_role['inputs']['name']}")


def test_vpc_cni_gets_the_cni_policy_through_its_own_pod_identity(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    cni = next(a for a in of_type(plan, ADDON) if a["inputs"]["addonName"] == "vpc-cni")
    (association,) = cni["inputs"]["podIdentityAssociations"]
    assert association["serviceAccount"] == "aws-node"
    role = role_named(plan, "-training-vpc-cni")
    assert association["roleArn"].endswith(f"role/{role['inputs']['name']}")
    assert managed_policies_of(plan, role) == {"AmazonEKS_CNI_Policy"}
    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}


def test_no_full_access_or_wildcard_admin_policies(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    for attachment in of_type(plan, ATTACHMENT):
        assert "FullAccess" not in attachment["inputs"]["policyArn"]
        assert not attachment["inputs"]["policyArn"].endswith("AdministratorAccess")
    # The cluster's own roles; the CI deploy role is broad by design and tested on its own.
    for policy in of_type(plan, ROLE_POLICY):
        if "mlops:training:TrainingCluster" not in policy["urn"]:
            continue
        for statement in policy_json(policy)["Statement"]:
            actions = as_list(statement["Action"])
            assert "*" not in actions
            assert not any(a.endswith(":*") for a in actions)


def test_autoscaler_resizes_only_this_clusters_groups(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    cluster_name = plan.outputs["eksClusterName"]
    role = role_named(plan, "-training-autoscaler")
    statements = {s["Sid"]: s for s in inline_statements_of(plan, role)}
    resize = statements["ResizeThisClustersNodeGroups"]
    assert set(resize["Action"]) == {
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    }
    assert resize["Condition"] == {
        "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
    }
    assert resize["Resource"] != "*"
    # Only read-only calls may use Resource "*".
    for statement in statements.values():
        if statement["Resource"] == "*":
            assert all(
                a.split(":")[1].startswith(("Describe", "Get")) for a in statement["Action"]
            ), statement
    assert statements["ReadThisClustersNodeGroups"]["Resource"].endswith(
        f":nodegroup/{cluster_name}/*/*"
    )
    associations = [
        a for a in of_type(plan, POD_IDENTITY) if a["inputs"]["namespace"] == "kube-system"
    ]
    associations = [a for a in associations if a["inputs"]["serviceAccount"] != "karpenter"]
    assert [a["inputs"]["serviceAccount"] for a in associations] == ["cluster-autoscaler"]
    assert associations[0]["inputs"]["roleArn"].endswith(f"role/{role['inputs']['name']}")


def test_ebs_csi_driver_has_a_pod_identity_that_can_use_the_key(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    addon = next(
        a for a in of_type(plan, ADDON) if a["inputs"]["addonName"] == "aws-ebs-csi-driver"
    )
    (association,) = addon["inputs"]["podIdentityAssociations"]
    assert association["serviceAccount"] == "ebs-csi-controller-sa"
    role = role_named(plan, "-training-ebs-csi")
    assert association["roleArn"].endswith(f"role/{role['inputs']['name']}")
    assert managed_policies_of(plan, role) == {"AmazonEBSCSIDriverPolicy"}
    key = plan.outputs["kmsKeyArn"]
    assert {s["Resource"] for s in inline_statements_of(plan, role)} == {key}


# -- nodes ------------------------------------------------------------------------------


def test_one_node_group_and_launch_template_per_configured_group(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    configured = plan.config.training.node_groups
    groups = {_group_name(g["inputs"]): g for g in of_type(plan, NODE_GROUP)}
    assert set(groups) == {g.name for g in configured}
    # EKS completes each name prefix with a unique suffix (the mock's is "mock").
    assert plan.outputs["eksNodeGroupNames"] == [f"{g.name}-mock" for g in configured]
    templates = {t["inputs"]["name"]: t for t in of_type(plan, LAUNCH_TEMPLATE)}
    assert len(templates) == len(configured)
    for group in configured:
        inputs = groups[group.name]["inputs"]
        template = templates[f"mlops-{plan.stack}-training-{group.name}"]
        assert inputs["launchTemplate"]["id"] == f"{template['inputs']['name']}-id"
        assert inputs["scalingConfig"] == {
            "minSize": group.min,
            "desiredSize": group.desired,
            "maxSize": group.max,
        }
        assert inputs["instanceTypes"] == group.instance_types
        assert inputs["subnetIds"] == plan.outputs["privateSubnetIds"]
        assert inputs["capacityType"] == ("SPOT" if group.capacity == "spot" else "ON_DEMAND")
        assert inputs["labels"]["mlops-platform/node-kind"] == group.kind
        assert inputs["tags"]["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert (
            inputs["tags"][f"k8s.io/cluster-autoscaler/{plan.outputs['eksClusterName']}"] == "owned"
        )


def test_launch_templates_require_imdsv2_and_encrypt_gp3_roots(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    key = plan.outputs["kmsKeyArn"]
    disk = {
        f"mlops-{plan.stack}-training-{g.name}": g.disk_size_gib
        for g in plan.config.training.node_groups
    }
    for template in of_type(plan, LAUNCH_TEMPLATE):
        inputs = template["inputs"]
        assert inputs["metadataOptions"]["httpTokens"] == "required"
        assert inputs["metadataOptions"]["httpPutResponseHopLimit"] == 2
        assert inputs["metadataOptions"]["httpEndpoint"] == "enabled"
        (root,) = inputs["blockDeviceMappings"]
        assert root["deviceName"] == "/dev/xvda"
        assert root["ebs"]["volumeType"] == "gp3"
        assert root["ebs"]["encrypted"] == "true"
        assert root["ebs"]["kmsKeyId"] == key
        assert root["ebs"]["volumeSize"] == disk[inputs["name"]]


def test_system_groups_are_on_demand_and_untainted(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    kinds = {g.name: g.kind for g in plan.config.training.node_groups}
    systems = [g for g in of_type(plan, NODE_GROUP) if kinds[_group_name(g["inputs"])] == "system"]
    assert systems
    for group in systems:
        assert group["inputs"]["capacityType"] == "ON_DEMAND"
        assert "taints" not in group["inputs"]
        assert group["inputs"]["amiType"] == "AL2023_x86_64_STANDARD"


@pytest.fixture(scope="module")
def gpu_group_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """Prod with managed GPU node groups instead of pools (stacks may still have them)."""
    path = tmp_path_factory.mktemp("gpu-groups") / "Pulumi.prod.yaml"
    path.write_text(prod_with_gpu_node_groups(), encoding="utf-8")
    return build_plan("prod", path)


def test_gpu_groups_are_tainted_scale_from_zero_and_use_the_nvidia_ami(
    gpu_group_plan: Plan,
) -> None:
    plan = gpu_group_plan
    configured = {g.name: g for g in plan.config.training.node_groups if g.kind == "gpu"}
    assert configured
    groups = [g for g in of_type(plan, NODE_GROUP) if _group_name(g["inputs"]) in configured]
    assert len(groups) == len(configured)
    tags = of_type(plan, ASG_TAG)
    for group in groups:
        inputs = group["inputs"]
        assert inputs["taints"] == [
            {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}
        ]
        assert inputs["amiType"] == "AL2023_x86_64_NVIDIA"
        assert inputs["scalingConfig"]["minSize"] == 0
        # The autoscaler learns taint, labels and GPU count of a node that does not exist yet
        # from tags on the group's Auto Scaling group.
        on_asg = {
            t["inputs"]["tag"]["key"]: t["inputs"]["tag"]["value"]
            for t in tags
            if t["parent"] == group["urn"]
        }
        assert on_asg[f"{TEMPLATE}/taint/nvidia.com/gpu"] == "true:NoSchedule"
        assert on_asg[f"{TEMPLATE}/label/mlops-platform/node-kind"] == "gpu"
        assert on_asg[f"{TEMPLATE}/resources/nvidia.com/gpu"] == str(
            configured[_group_name(inputs)].gpus_per_node
        )
        assert all(
            t["inputs"]["autoscalingGroupName"] == f"eks-{inputs['nodeGroupNamePrefix']}mock-mock"
            for t in tags
            if t["parent"] == group["urn"]
        )
        assert all(t["inputs"]["tag"]["propagateAtLaunch"] is False for t in tags)


def test_eight_gpu_groups_advertise_eight_gpus(gpu_group_plan: Plan) -> None:
    plan = gpu_group_plan
    a100 = next(
        g for g in of_type(plan, NODE_GROUP) if g["inputs"]["instanceTypes"] == ["p4d.24xlarge"]
    )
    assert a100["inputs"]["tags"][f"{TEMPLATE}/resources/nvidia.com/gpu"] == "8"


# -- add-ons ---------------------------------------------------------------------------


def test_addons_are_installed_in_dependency_order(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    training = next(
        r["urn"] for r in plan.resources if r["type"] == "mlops:training:TrainingCluster"
    )
    addons = {a["inputs"]["addonName"]: a for a in of_type(plan, ADDON) if a["parent"] == training}
    assert set(addons) == {
        "vpc-cni",
        "coredns",
        "kube-proxy",
        "aws-ebs-csi-driver",
        "eks-pod-identity-agent",
        "amazon-cloudwatch-observability",
    }
    cluster_name = plan.outputs["eksClusterName"]
    assert all(a["inputs"]["clusterName"] == cluster_name for a in addons.values())
    groups = {g["urn"] for g in of_type(plan, NODE_GROUP)}
    for early in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        assert not groups & set(addons[early]["dependsOn"])
        for group in of_type(plan, NODE_GROUP):
            assert addons[early]["urn"] in group["dependsOn"]
    for late in ("coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"):
        assert groups <= set(addons[late]["dependsOn"])


def test_vpc_cni_enforces_network_policies(any_shipped_plan: Plan) -> None:
    cni = next(a for a in of_type(any_shipped_plan, ADDON) if a["inputs"]["addonName"] == "vpc-cni")
    assert json.loads(cni["inputs"]["configurationValues"])["enableNetworkPolicy"] == "true"


# -- on the cluster --------------------------------------------------------------------


def test_kubernetes_provider_is_built_from_the_cluster(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (provider,) = of_type(plan, "pulumi:providers:kubernetes")
    config = json.loads(provider["inputs"]["kubeconfig"])
    name = plan.outputs["eksClusterName"]
    (cluster,) = config["clusters"]
    assert (
        cluster["cluster"]["server"] == f"https://{name}.gr7.{plan.config.region}.eks.amazonaws.com"
    )
    assert cluster["cluster"]["certificate-authority-data"]
    (user,) = config["users"]
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", name]
    assert "token" not in user["user"]


def test_each_team_gets_a_namespace_with_gpu_quota_and_limits(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    teams = plan.config.training.teams
    assert teams
    namespaces = {n["inputs"]["metadata"]["name"]: n for n in k8s_objects(plan, "Namespace")}
    assert set(namespaces) == {t.name for t in teams}
    quotas = {
        q["inputs"]["metadata"]["namespace"]: q["inputs"]["spec"]["hard"]
        for q in k8s_objects(plan, "ResourceQuota")
    }
    limits = {
        q["inputs"]["metadata"]["namespace"]: q["inputs"]["spec"]
        for q in k8s_objects(plan, "LimitRange")
    }
    for team in teams:
        labels = namespaces[team.name]["inputs"]["metadata"]["labels"]
        # Only a namespace configured for distributed training may add IPC_LOCK.
        expected = "privileged" if team.distributed_training else "baseline"
        assert labels["pod-security.kubernetes.io/enforce"] == expected
        assert labels["pod-security.kubernetes.io/warn"] in ("baseline", "restricted")
        assert quotas[team.name] == {
            "requests.cpu": str(team.cpu_quota),
            "requests.memory": f"{team.memory_quota_gib}Gi",
            "requests.nvidia.com/gpu": str(team.gpu_quota),
        }
        (container,) = limits[team.name]["limits"]
        assert container["type"] == "Container"
        assert set(container["defaultRequest"]) == {"cpu", "memory"}
        # A container requesting memory without a limit gets the default limit; the API
        # server rejects it if that is below the request. Every request the quota admits
        # must therefore fit under the default limit.
        default_limit = _gib(container["default"]["memory"])
        assert default_limit >= team.memory_quota_gib
        assert _gib(container["defaultRequest"]["memory"]) <= default_limit
        assert "cpu" not in container["default"]


def _gib(quantity: str) -> float:
    units = {"Mi": 1 / 1024, "Gi": 1, "Ti": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_only_distributed_training_namespaces_relax_pod_security(
    shipped_plan: Callable[[str], Plan],
) -> None:
    plan = shipped_plan("prod")
    distributed = {t.name for t in plan.config.training.teams if t.distributed_training}
    assert distributed, "prod ships a team that runs multi-node training"
    privileged = {
        n["inputs"]["metadata"]["name"]
        for n in k8s_objects(plan, "Namespace")
        if n["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    }
    assert privileged == distributed


def test_prod_teams_have_gpu_quotas(shipped_plan: Callable[[str], Plan]) -> None:
    plan = shipped_plan("prod")
    quotas = [
        q["inputs"]["spec"]["hard"]["requests.nvidia.com/gpu"]
        for q in k8s_objects(plan, "ResourceQuota")
    ]
    assert len(quotas) >= 3
    assert all(int(q) > 0 for q in quotas)


def test_each_team_namespace_denies_by_default(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    policies: dict[str, dict[str, dict[str, Any]]] = {}
    for p in k8s_objects(plan, "NetworkPolicy"):
        meta = p["inputs"]["metadata"]
        policies.setdefault(meta["namespace"], {})[meta["name"]] = p["inputs"]["spec"]
    assert set(policies) == {t.name for t in plan.config.training.teams}
    for namespace, named in policies.items():
        deny = named["default-deny"]
        assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}, namespace
        dns = named["allow-dns"]
        assert dns["policyTypes"] == ["Egress"]
        (rule,) = dns["egress"]
        assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}
        assert rule["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
        # Nothing but the deny policy admits traffic from other namespaces.
        for name, spec in named.items():
            for ingress in spec.get("ingress", []):
                assert all(
                    "namespaceSelector" not in peer and "ipBlock" not in peer
                    for peer in ingress["from"]
                ), name


def test_each_team_service_account_is_bound_to_its_role(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    accounts = {
        (s["inputs"]["metadata"]["namespace"], s["inputs"]["metadata"]["name"]): s
        for s in k8s_objects(plan, "ServiceAccount")
    }
    associations = [
        a for a in of_type(plan, POD_IDENTITY) if a["inputs"]["namespace"] != "kube-system"
    ]
    assert len(associations) == len(plan.config.training.teams)
    for team in plan.config.training.teams:
        (association,) = [a for a in associations if a["inputs"]["namespace"] == team.name]
        assert association["inputs"]["serviceAccount"] == team.service_account
        assert association["inputs"]["clusterName"] == plan.outputs["eksClusterName"]
        assert association["inputs"]["roleArn"].endswith(
            f"role/mlops-{plan.stack}-training-{team.name}"
        )
        account = accounts[(team.name, team.service_account)]
        assert account["inputs"]["automountServiceAccountToken"] is False


def test_device_plugin_runs_only_on_gpu_nodes(any_shipped_plan: Plan) -> None:
    (plugin,) = k8s_objects(any_shipped_plan, "DaemonSet")
    spec = plugin["inputs"]["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"mlops-platform/node-kind": "gpu"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec[
        "tolerations"
    ]
    (container,) = spec["containers"]
    assert container["image"].startswith("nvcr.io/nvidia/k8s-device-plugin:")
    assert container["volumeMounts"][0]["mountPath"] == "/var/lib/kubelet/device-plugins"


def test_cluster_autoscaler_discovers_this_cluster(any_shipped_plan: Plan) -> None:
    plan = any_shipped_plan
    (deployment,) = k8s_objects(plan, "Deployment")
    spec = deployment["inputs"]["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == "cluster-autoscaler"
    assert spec["nodeSelector"] == {"mlops-platform/node-kind": "system"}
    (container,) = spec["containers"]
    name = plan.outputs["eksClusterName"]
    assert (
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
        f"k8s.io/cluster-autoscaler/{name}"
    ) in container["command"]
    version = plan.config.training.kubernetes_version
    entry = catalog.kubernetes_version(version)
    assert entry is not None and container["image"] == entry.cluster_autoscaler_image
    assert container["image"].rsplit(":v", 1)[1].startswith(f"{version}.")
    urns = by_urn(plan)
    kinds = {urns[u]["type"].rsplit(":", 1)[-1] for u in deployment["dependsOn"] if u in urns}
    assert {"NodeGroup", "PodIdentityAssociation", "ClusterRoleBinding", "RoleBinding"} <= kinds


def test_default_storage_class_encrypts_with_the_platform_key(any_shipped_plan: Plan) -> None:
    (storage,) = k8s_objects(any_shipped_plan, "StorageClass")
    inputs = storage["inputs"]
    assert (
        inputs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    )
    assert inputs["provisioner"] == "ebs.csi.aws.com"
    assert inputs["parameters"] == {
        "type": "gp3",
        "encrypted": "true",
        "kmsKeyId": any_shipped_plan.outputs["kmsKeyArn"],
    }


def test_a_stack_without_node_groups_has_no_cluster(tmp_path) -> None:
    plan = build_plan("bare", write_stack(tmp_path, BASE_STACK))
    assert not [r for r in plan.resources if r["type"].startswith(("aws:eks/", "kubernetes:"))]
    assert "eksClusterName" not in plan.outputs


# -- the component on its own: workload access -----------------------------------------

BUCKETS = ["arn:aws:s3:::features", "arn:aws:s3:::artifacts"]
GROUP = "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/fraud-detector"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/test"


class OptionsMonitor(RecordingMonitor):
    """Also keeps the resource options the plan document leaves out (ignoreChanges)."""

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if self.registrations and self.registrations[-1]["urn"] == response.urn:
            self.registrations[-1]["ignoreChanges"] = list(request.ignoreChanges)
        return response


def run_component(build: Callable[[], object]) -> list[dict[str, Any]]:
    """Register what `build` creates under the platform mocks; return the registrations."""
    monitor = OptionsMonitor(PlatformMocks())
    return record_resources(build, stack="unit", monitor=monitor)[0]


def cluster_args(**overrides: Any) -> TrainingClusterArgs:
    values: dict[str, Any] = {
        "kubernetes_version": catalog.kubernetes_versions()[-1].version,
        "private_subnet_ids": ["subnet-a", "subnet-b"],
        "kms_key_arn": KEY,
        "node_groups": [
            NodeGroupArgs("system", "system", ["m6i.large"], 1, 1, 2),
            NodeGroupArgs("cpu", "cpu", ["c6i.2xlarge"], 0, 0, 3, spot=True),
        ],
        "teams": [
            TeamArgs("vision", cpu_quota=8, memory_quota_gib=32),
            TeamArgs(
                "nlp",
                cpu_quota=8,
                memory_quota_gib=32,
                s3_read_prefixes=["curated/"],
                s3_write_prefixes=["nlp/runs/"],
            ),
        ],
        "workload_bucket_arns": BUCKETS,
        "model_package_group_arns": [GROUP],
    }
    values.update(overrides)
    return TrainingClusterArgs(**values)


DEPLOYMENT = Deployment(stack="unit", environment="dev", region="eu-west-1", tags={"owner": "t"})


@pytest.fixture(scope="module")
def unit_resources() -> list[dict[str, Any]]:
    return run_component(lambda: TrainingCluster("training", cluster_args(), DEPLOYMENT))


def team_statements(resources: list[dict[str, Any]], team: str) -> dict[str, dict[str, Any]]:
    role = next(
        r
        for r in resources
        if r["type"] == ROLE and r["inputs"]["name"] == f"mlops-unit-training-{team}"
    )
    (policy,) = [r for r in resources if r["type"] == ROLE_POLICY and r["parent"] == role["urn"]]
    return {s["Sid"]: s for s in json.loads(policy["inputs"]["policy"])["Statement"]}


def test_team_reads_workload_buckets_and_writes_only_its_prefix(unit_resources) -> None:
    statements = team_statements(unit_resources, "vision")
    assert statements["ListWorkloadPrefixes"]["Resource"] == BUCKETS
    assert "Condition" not in statements["ListWorkloadPrefixes"]  # default: read everything
    assert sorted(statements["ReadWorkloadData"]["Resource"]) == sorted(
        [f"{b}/*" for b in BUCKETS] + [f"{b}/teams/vision/*" for b in BUCKETS]
    )
    write = statements["WriteTeamPrefixes"]
    assert "s3:PutObject" in write["Action"]
    assert sorted(write["Resource"]) == sorted(f"{b}/teams/vision/*" for b in BUCKETS)
    kms = statements["UseBucketKeyThroughS3"]
    assert kms["Resource"] == KEY
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}


def test_team_prefixes_narrow_listing_reading_and_writing(unit_resources) -> None:
    statements = team_statements(unit_resources, "nlp")
    assert statements["ListWorkloadPrefixes"]["Condition"] == {
        "StringLike": {"s3:prefix": ["curated/*", "nlp/runs/*"]}
    }
    assert sorted(statements["ReadWorkloadData"]["Resource"]) == sorted(
        f"{b}/{p}*" for b in BUCKETS for p in ("curated/", "nlp/runs/")
    )
    assert sorted(statements["WriteTeamPrefixes"]["Resource"]) == sorted(
        f"{b}/nlp/runs/*" for b in BUCKETS
    )


def test_team_registers_model_versions_but_cannot_approve_them(unit_resources) -> None:
    statements = team_statements(unit_resources, "vision")
    assert statements["ReadModelPackageGroups"]["Resource"] == [GROUP]
    register = statements["RegisterModelVersions"]
    assert set(register["Action"]) == {
        "sagemaker:DescribeModelPackage",
        "sagemaker:CreateModelPackage",
    }
    assert register["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-detector/*"
    ]
    every_action = {a for s in statements.values() for a in as_list(s["Action"])}
    assert "sagemaker:UpdateModelPackage" not in every_action
    assert not any(s["Resource"] == "*" for s in statements.values())


def test_no_gpu_group_means_no_device_plugin(unit_resources) -> None:
    assert not [r for r in unit_resources if r["type"] == "kubernetes:apps/v1:DaemonSet"]
    assert [r for r in unit_resources if r["type"] == "kubernetes:apps/v1:Deployment"]


def test_a_cluster_without_a_system_group_is_refused() -> None:
    args = cluster_args(node_groups=[NodeGroupArgs("cpu", "cpu", ["m6i.large"], 0, 0, 2)])
    with pytest.raises(ValueError, match="kind 'system'"):
        TrainingCluster("training", args, DEPLOYMENT)


def test_the_autoscaler_owns_desired_size_after_creation(unit_resources) -> None:
    groups = [r for r in unit_resources if r["type"] == NODE_GROUP]
    assert len(groups) == 2
    for group in groups:
        assert group["ignoreChanges"] == ["scalingConfig.desiredSize"]


def test_the_creator_is_no_admin_unless_a_stack_keeps_it(unit_resources) -> None:
    """Admins come from access entries; EKS's creator entry only for clusters made with it
    (the setting is read at creation: changing it replaces the cluster)."""
    (cluster,) = [r for r in unit_resources if r["type"] == CLUSTER]
    assert cluster["inputs"]["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False
    kept = run_component(
        lambda: TrainingCluster("training", cluster_args(cluster_creator_admin=True), DEPLOYMENT)
    )
    (cluster,) = [r for r in kept if r["type"] == CLUSTER]
    assert cluster["inputs"]["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is True


def test_without_kubernetes_objects_nothing_talks_to_the_cluster_api() -> None:
    resources = run_component(
        lambda: TrainingCluster("training", cluster_args(kubernetes_objects=False), DEPLOYMENT)
    )
    assert [r["type"] for r in resources if "kubernetes" in r["type"]] == []
    assert [r for r in resources if r["type"] == NODE_GROUP]
    assert [r for r in resources if r["type"] == ADDON]
