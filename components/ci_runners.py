"""CiRunner: the stack's CodeBuild-hosted GitHub Actions runner, inside its VPC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .aws_context import AwsIdentity, aws_identity
from .context import Deployment
from .iam import ServiceRole, Statement, service_role
from .logs import encrypted_log_group
from .output_values import concat

CODEBUILD_SERVICE = "codebuild.amazonaws.com"
# The runner project's name within the stack's names: `mlops-<stack>-ci-runner`.
RUNNER_NAME = "ci-runner"
# The event CodeBuild's GitHub Actions runner integration starts a build on.
WORKFLOW_JOB_QUEUED = "WORKFLOW_JOB_QUEUED"


@dataclass
class CiRunnerArgs:
    """Inputs of CiRunner.

    Args:
        github_repository: `owner/repo` whose workflow jobs the runner takes.
        connection_arn: CodeConnections connection CodeBuild reaches GitHub through.
        compute_type: CodeBuild compute type (`BUILD_GENERAL1_SMALL`, ...).
        image: CodeBuild image of the runner.
        build_timeout_minutes: Longest a job may run.
        queued_timeout_minutes: Longest a job may wait for capacity.
        kms_key_arn: Platform key: build artifacts and logs are encrypted with it.
        vpc_id: VPC the runner runs in.
        private_subnet_ids: Private subnets of the runner's network interfaces.
        log_retention_days: Retention of the runner's build logs.
        cluster_security_group_id: The cluster's security group (HTTPS let in from the
            runner); None without a training cluster.
    """

    github_repository: str
    connection_arn: str
    compute_type: str
    image: str
    build_timeout_minutes: int
    queued_timeout_minutes: int
    kms_key_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: pulumi.Input[Sequence[str]]
    log_retention_days: int
    cluster_security_group_id: pulumi.Input[str] | None = None


def runner_label(project_name: str) -> str:
    """The `runs-on` label of a workflow job that CodeBuild project `project_name` runs.

    CodeBuild takes a queued job whose label is `codebuild-<project>-<run id>-<attempt>`;
    the run id and attempt keep one build per job run.
    """
    return f"codebuild-{project_name}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


def runner_statements(
    args: CiRunnerArgs, ident: AwsIdentity, log_group_arn: pulumi.Input[str]
) -> list[Statement]:
    """What CodeBuild does as the runner's role: its logs, its ENIs, the connection, the key.

    The jobs' own AWS rights come from the deploy role they assume over GitHub OIDC.
    """
    return [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, concat(log_group_arn, ":log-stream:*")],
        },
        *_network_statements(args, ident),
        {
            "Sid": "UseGithubConnection",
            "Effect": "Allow",
            "Action": [
                "codeconnections:GetConnectionToken",
                "codeconnections:UseConnection",
                "codestar-connections:GetConnectionToken",
                "codestar-connections:UseConnection",
            ],
            "Resource": args.connection_arn,
        },
        {
            "Sid": "UsePlatformKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": args.kms_key_arn,
        },
    ]


def _network_statements(args: CiRunnerArgs, ident: AwsIdentity) -> list[Statement]:
    """CodeBuild places the build's network interfaces in the stack's private subnets."""
    ec2 = concat("arn:", ident.partition, ":ec2:", ident.region, ":")
    vpc_arn = concat(ec2, ident.account_id, ":vpc/", args.vpc_id)
    subnet_arns = pulumi.Output.from_input(args.private_subnet_ids).apply(
        lambda ids: [concat(ec2, ident.account_id, ":subnet/", i) for i in ids]
    )
    return [
        {
            # Describe calls support no resource-level permissions.
            "Sid": "DescribeNetwork",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ManageInterfacesInOwnVpc",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"ec2:Vpc": vpc_arn}},
        },
        {
            "Sid": "LetCodeBuildUseInterfacesInPrivateSubnets",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterfacePermission",
            "Resource": concat(ec2, ident.account_id, ":network-interface/*"),
            "Condition": {
                "StringEquals": {"ec2:AuthorizedService": CODEBUILD_SERVICE},
                "ArnEquals": {"ec2:Subnet": subnet_arns},
            },
        },
    ]


class CiRunner(pulumi.ComponentResource):
    """A CodeBuild project hosting the stack's GitHub Actions deploy jobs inside its VPC.

    Stacks with a private EKS API cannot be deployed from GitHub's runners. The project
    `mlops-<stack>-ci-runner` takes every queued workflow job of the repository labelled
    `codebuild-mlops-<stack>-ci-runner-...` (webhook on WORKFLOW_JOB_QUEUED) and runs it in
    the private subnets behind a security group that only lets HTTPS out; the cluster's
    security group lets HTTPS in from it. Builds are encrypted with the platform key and
    log to a pre-created encrypted log group. The project's own role can only write its
    logs, place its network interfaces and use the GitHub connection: the jobs deploy
    with the CI deploy role over GitHub OIDC, as on any runner; that role's access to the
    cluster is its EKS access entry (CiClusterAccess).

    Outputs:
        project_name: CodeBuild project name (the runner label's stem).
        project_arn: CodeBuild project ARN.
        role_arn: Service role of the project.
        security_group_id: Security group of the runner's network interfaces.
    """

    # What CiRunner creates: made after CiAccess, whose deploy role manages these too.
    RESOURCE_TYPES = (
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:codebuild/project:Project",
        "aws:codebuild/webhook:Webhook",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    )

    project_name: pulumi.Output[str]
    project_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: CiRunnerArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlops:ci:CiRunner", name, None, opts)
        ident = aws_identity()
        physical = deployment.name(RUNNER_NAME)
        log_group = encrypted_log_group(
            f"{name}-logs",
            deployment,
            log_group_name=f"/aws/codebuild/{physical}",
            retention_days=args.log_retention_days,
            kms_key_arn=args.kms_key_arn,
            parent=self,
        )
        project_arn = concat(
            "arn:", ident.partition, ":codebuild:", ident.region, ":", ident.account_id,
            ":project/", physical,
        )  # fmt: skip
        role = service_role(
            f"{name}-role",
            deployment,
            role_name=physical,
            parent=self,
            services=[CODEBUILD_SERVICE],
            source_account=ident.account_id,
            source_arn=project_arn,
            statements=runner_statements(args, ident, log_group.arn),
            description=f"CodeBuild GitHub Actions runner of {deployment.stack}",
        )
        group = self._security_group(name, args, deployment, physical)
        project = self._project(name, args, deployment, physical, role, group, log_group)
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            filter_groups=[{"filters": [{"type": "EVENT", "pattern": WORKFLOW_JOB_QUEUED}]}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[project, *role.ready]),
        )

        self.project_name = project.name
        self.project_arn = project.arn
        self.role_arn = role.arn
        self.security_group_id = group.id
        self.register_outputs(
            {
                "project_name": self.project_name,
                "project_arn": self.project_arn,
                "role_arn": self.role_arn,
                "security_group_id": self.security_group_id,
            }
        )

    def _security_group(
        self, name: str, args: CiRunnerArgs, deployment: Deployment, physical: str
    ) -> aws.ec2.SecurityGroup:
        """The runner's group: HTTPS out only; the cluster's group lets HTTPS in from it."""
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=physical,
            # DNS goes to the VPC resolver, which security groups do not filter.
            description="CI runner: HTTPS out only (GitHub, AWS APIs, the EKS API)",
            vpc_id=args.vpc_id,
            tags=deployment.tagged(physical),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-sg-https-out",
            security_group_id=group.id,
            description="HTTPS to GitHub and AWS APIs (through NAT) and to the EKS API",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4="0.0.0.0/0",
            tags=deployment.tagged(),
            opts=pulumi.ResourceOptions(parent=group),
        )
        if args.cluster_security_group_id is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-cluster-https-in",
                security_group_id=args.cluster_security_group_id,
                description="EKS API from the CI runner",
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                referenced_security_group_id=group.id,
                tags=deployment.tagged(),
                opts=pulumi.ResourceOptions(parent=group),
            )
        return group

    def _project(
        self,
        name: str,
        args: CiRunnerArgs,
        deployment: Deployment,
        physical: str,
        role: ServiceRole,
        group: aws.ec2.SecurityGroup,
        log_group: aws.cloudwatch.LogGroup,
    ) -> aws.codebuild.Project:
        """The CodeBuild project GitHub's runner jobs become builds of."""
        return aws.codebuild.Project(
            name,
            name=physical,
            description=f"GitHub Actions runner of {deployment.stack} (private EKS API)",
            service_role=role.arn,
            encryption_key=args.kms_key_arn,
            build_timeout=args.build_timeout_minutes,
            queued_timeout=args.queued_timeout_minutes,
            source={
                "type": "GITHUB",
                "location": f"https://github.com/{args.github_repository}.git",
                "auth": {"type": "CODECONNECTIONS", "resource": args.connection_arn},
            },
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "compute_type": args.compute_type,
                "image": args.image,
                "image_pull_credentials_type": "CODEBUILD",
                "privileged_mode": False,
            },
            vpc_config={
                "vpc_id": args.vpc_id,
                "subnets": args.private_subnet_ids,
                "security_group_ids": [group.id],
            },
            logs_config={
                "cloudwatch_logs": {"status": "ENABLED", "group_name": log_group.name},
                "s3_logs": {"status": "DISABLED"},
            },
            tags=deployment.tagged(physical),
            # CodeBuild checks the role (ENIs, connection) when the project is saved.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, *role.ready]),
        )
