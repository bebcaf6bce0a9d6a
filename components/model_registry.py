"""ModelRegistry: model package groups, serving-image repositories and managed MLflow."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .aws_context import aws_identity
from .context import Deployment
from .iam import Statement, policy_document, service_role
from .output_values import all_of, concat
from .secure_bucket import SecureBucket, SecureBucketArgs

# Prefixes inside the artifact bucket: model artifacts per family, and MLflow's store.
MODELS_PREFIX = "models"
MLFLOW_PREFIX = "mlflow"
MAX_MODEL_PACKAGE_GROUP_NAME = 63


def _account_roots(partition: pulumi.Output[str], accounts: Sequence[str]) -> list[Any]:
    return [concat("arn:", partition, ":iam::", a, ":root") for a in accounts]


def model_package_arn(
    partition: str, region: str, account_id: str, group_name: str, version: int | str
) -> str:
    """ARN of version `version` (or `*`) of a model package group.

    The one place this ARN is spelled: SageMaker puts the group name in lower case in
    model package ARNs (unlike the group's own ARN), which a string replace gets wrong.
    """
    return (
        f"arn:{partition}:sagemaker:{region}:{account_id}:"
        f"model-package/{group_name.lower()}/{version}"
    )


def lifecycle_rules(image: ServingImageArgs) -> list[dict[str, Any]]:
    """ECR lifecycle rules that can never expire an image a deployed model version runs.

    Only untagged images (layers of a re-push, never a release) and images whose tags all
    start with a scratch prefix expire. Release tags are immutable and kept forever: a rule
    counting images across all tags would expire the image of a version still in service.
    """
    return [
        {
            "rulePriority": 1,
            "description": "Expire untagged images after 7 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 7,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Keep the last {image.keep_scratch_images} scratch images "
            f"({', '.join(image.scratch_tag_prefixes)}); release tags never expire",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": list(image.scratch_tag_prefixes),
                "countType": "imageCountMoreThan",
                "countNumber": image.keep_scratch_images,
            },
            "action": {"type": "expire"},
        },
    ]


@dataclass
class ModelFamilyArgs:
    """A model package group.

    Args:
        name: Short name; the group is `mlops-<stack>-<name>`.
        description: Free text shown in SageMaker Studio.
        consumer_accounts: Accounts (staging/prod) that may read and deploy its versions
            and read its artifacts under `models/<name>/` in the artifact bucket.
    """

    name: str
    description: str | None = None
    consumer_accounts: Sequence[str] = ()


@dataclass
class ServingImageArgs:
    """An ECR repository `mlops-<stack>/<name>`.

    Args:
        name: Image name.
        scratch_tag_prefixes: Tag prefixes of throw-away builds; only these (and untagged
            images) expire. Every other tag is a release and is kept.
        keep_scratch_images: Scratch-tagged images kept; older ones expire.
        consumer_accounts: Accounts that may pull the image: the consumers of every model
            family served from it.
    """

    name: str
    scratch_tag_prefixes: Sequence[str] = ("ci-", "pr-", "dev-")
    keep_scratch_images: int = 30
    consumer_accounts: Sequence[str] = ()


@dataclass
class MlflowArgs:
    """A SageMaker managed MLflow tracking server.

    Args:
        size: Small, Medium or Large.
        version: MLflow version; the service default when None.
        automatic_model_registration: Register logged models in the SageMaker registry.
        weekly_maintenance_window_start: e.g. `Sun:03:30` (UTC).
    """

    size: str = "Small"
    version: str | None = None
    automatic_model_registration: bool = False
    weekly_maintenance_window_start: str | None = None


@dataclass
class ModelRegistryArgs:
    """Inputs of a ModelRegistry.

    Args:
        kms_key_arn: Key encrypting the artifact bucket and the repositories.
        models: Model families (one model package group each).
        images: Serving images (one ECR repository each).
        mlflow: Create a tracking server with these settings; None for none.
        noncurrent_version_days: Days overwritten artifacts are kept.
    """

    kms_key_arn: pulumi.Input[str]
    models: Sequence[ModelFamilyArgs] = field(default_factory=list)
    images: Sequence[ServingImageArgs] = field(default_factory=list)
    mlflow: MlflowArgs | None = None
    noncurrent_version_days: int = 90


class ModelRegistry(pulumi.ComponentResource):
    """Where trained models live and how they are promoted between accounts.

    An artifact SecureBucket holds model artifacts (`models/<family>/`) and MLflow's
    artifact store (`mlflow/`). Each model family is a SageMaker model package group; when
    consumer accounts are configured, a resource policy lets exactly those accounts read
    the group's versions (cross-account promotion to staging and prod) and a bucket policy
    statement lets them read exactly that family's artifacts (with a KMS grant to decrypt
    objects of this bucket only). Each serving image gets an ECR repository with immutable
    tags, scan on push, KMS encryption, a lifecycle policy that expires only untagged and
    scratch-tagged images (`lifecycle_rules`: never an image a deployed version runs), and
    a repository policy letting its consumer accounts pull it (the caller passes the
    consumers of every family served from the image, so a consumer that may deploy a
    version may also pull its image). The optional MLflow tracking server gets its own
    role, limited to its prefix, the key and (with automatic registration) the stack's
    model package groups.

    `model_package_arn(family, version)` is the ARN of one version of a family (built by
    the module function of the same name, which preflight uses too).

    Outputs:
        artifact_bucket_name: Artifact bucket name.
        artifact_bucket_arn: Artifact bucket ARN.
        model_package_group_names: Physical model package group names.
        model_package_group_arns: Family name -> model package group ARN.
        repository_urls: Image name -> ECR repository URL.
        repository_arns: Image name -> ECR repository ARN.
        mlflow_tracking_server_arn: Tracking server ARN; `None` (not an Output) when
            `mlflow` is None.
    """

    artifact_bucket_name: pulumi.Output[str]
    artifact_bucket_arn: pulumi.Output[str]
    model_package_group_names: pulumi.Output[list[str]]
    model_package_group_arns: pulumi.Output[dict[str, str]]
    repository_urls: pulumi.Output[dict[str, str]]
    repository_arns: pulumi.Output[dict[str, str]]
    mlflow_tracking_server_arn: pulumi.Output[str] | None

    def __init__(
        self,
        name: str,
        args: ModelRegistryArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # SageMaker limits model package group names to 63 characters.
        _check_group_names(args.models, deployment)
        super().__init__("mlops:registry:ModelRegistry", name, None, opts)
        self._name = name
        self._deployment = deployment
        self._args = args
        self._ident = aws_identity()

        bucket = self._artifact_bucket()
        self._consumer_key_grants(bucket.arn)
        group_names, group_arns = self._model_package_groups()
        urls, repo_arns = self._repositories()

        self.mlflow_tracking_server_arn = None
        if args.mlflow is not None:
            server = self._mlflow(args.mlflow, bucket.bucket, bucket.arn)
            self.mlflow_tracking_server_arn = server.arn

        self.artifact_bucket_name = bucket.bucket
        self.artifact_bucket_arn = bucket.arn
        self.model_package_group_names = pulumi.Output.all(*group_names)
        self.model_package_group_arns = _as_dict(group_arns)
        self.repository_urls = _as_dict(urls)
        self.repository_arns = _as_dict(repo_arns)
        self.register_outputs(
            {
                "artifact_bucket_name": self.artifact_bucket_name,
                "artifact_bucket_arn": self.artifact_bucket_arn,
                "model_package_group_names": self.model_package_group_names,
                "model_package_group_arns": self.model_package_group_arns,
                "repository_urls": self.repository_urls,
                "repository_arns": self.repository_arns,
                "mlflow_tracking_server_arn": self.mlflow_tracking_server_arn,
            }
        )

    def _artifact_bucket(self) -> SecureBucket:
        """The artifact bucket, its policy letting consumer accounts read their families."""
        d, ident, args = self._deployment, self._ident, self._args
        bucket_name = ident.account_id.apply(lambda account: d.bucket_name("artifacts", account))
        # The ARN is spelled out (not read from the bucket): the consumer statements of the
        # bucket's policy are arguments of the bucket itself.
        bucket_arn = concat("arn:", ident.partition, ":s3:::", bucket_name)
        return SecureBucket(
            f"{self._name}-artifacts",
            SecureBucketArgs(
                bucket_name=bucket_name,
                kms_key_arn=args.kms_key_arn,
                noncurrent_version_days=args.noncurrent_version_days,
                extra_policy_statements=self._consumer_bucket_statements(bucket_arn),
            ),
            d,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _model_package_groups(
        self,
    ) -> tuple[list[pulumi.Output[str]], dict[str, pulumi.Output[str]]]:
        """One package group per model family: (physical names, family -> group ARN)."""
        names: list[pulumi.Output[str]] = []
        arns: dict[str, pulumi.Output[str]] = {}
        for model in self._args.models:
            group = self._model_package_group(model)
            names.append(group.model_package_group_name)
            arns[model.name] = group.arn
        return names, arns

    def _repositories(
        self,
    ) -> tuple[dict[str, pulumi.Output[str]], dict[str, pulumi.Output[str]]]:
        """One ECR repository per serving image: (image -> URL, image -> ARN)."""
        urls: dict[str, pulumi.Output[str]] = {}
        arns: dict[str, pulumi.Output[str]] = {}
        for image in self._args.images:
            repo = self._repository(image)
            urls[image.name] = repo.repository_url
            arns[image.name] = repo.arn
        return urls, arns

    def _package_arn(self, group_name: str, version: int | str) -> pulumi.Output[str]:
        ident = self._ident
        return all_of(ident.partition, ident.region, ident.account_id).apply(
            lambda v: model_package_arn(v[0], v[1], v[2], group_name, version)
        )

    def model_package_arn(self, family: str, version: int) -> pulumi.Output[str]:
        """ARN of version `version` of model family `family`'s package group."""
        if family not in {m.name for m in self._args.models}:
            raise ValueError(f"unknown model family '{family}'")
        return self._package_arn(self._deployment.name(family), version)

    def _consumer_bucket_statements(self, bucket_arn: pulumi.Output[str]) -> list[Statement]:
        statements: list[Statement] = []
        for model in self._args.models:
            if not model.consumer_accounts:
                continue
            statements.append(
                {
                    "Sid": "ConsumersRead" + "".join(p.title() for p in model.name.split("-")),
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": _account_roots(self._ident.partition, model.consumer_accounts)
                    },
                    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                    "Resource": concat(bucket_arn, f"/{MODELS_PREFIX}/{model.name}/*"),
                }
            )
        return statements

    def _consumer_key_grants(self, bucket_arn: pulumi.Output[str]) -> None:
        # Artifacts are SSE-KMS encrypted with the stack key: a consumer account also needs
        # Decrypt, and only for objects of this bucket (S3 bucket keys put the bucket ARN in
        # the encryption context), so the grant cannot open any other data of the stack.
        accounts = sorted({a for m in self._args.models for a in m.consumer_accounts})
        for account in accounts:
            aws.kms.Grant(
                f"{self._name}-artifacts-decrypt-{account}",
                name=self._deployment.name("artifacts", account),
                key_id=self._args.kms_key_arn,
                grantee_principal=concat("arn:", self._ident.partition, ":iam::", account, ":root"),
                operations=["Decrypt"],
                constraints=[{"encryption_context_subset": {"aws:s3:arn": bucket_arn}}],
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _model_package_group(self, model: ModelFamilyArgs) -> aws.sagemaker.ModelPackageGroup:
        d, ident = self._deployment, self._ident
        physical = d.name(model.name)
        group = aws.sagemaker.ModelPackageGroup(
            f"{self._name}-{model.name}",
            model_package_group_name=physical,
            model_package_group_description=model.description,
            tags=d.tagged(physical),
            opts=d.stateful(self),
        )
        if model.consumer_accounts:
            principals = {"AWS": _account_roots(ident.partition, model.consumer_accounts)}
            packages = self._package_arn(physical, "*")
            aws.sagemaker.ModelPackageGroupPolicy(
                f"{self._name}-{model.name}-policy",
                model_package_group_name=group.model_package_group_name,
                resource_policy=policy_document(
                    [
                        {
                            "Sid": "ConsumersDescribeGroup",
                            "Effect": "Allow",
                            "Principal": principals,
                            "Action": ["sagemaker:DescribeModelPackageGroup"],
                            "Resource": group.arn,
                        },
                        {
                            # CreateModel lets a consumer account deploy an approved version
                            # in its own account; nothing here can change or approve one.
                            "Sid": "ConsumersReadAndDeployVersions",
                            "Effect": "Allow",
                            "Principal": principals,
                            "Action": [
                                "sagemaker:DescribeModelPackage",
                                "sagemaker:ListModelPackages",
                                "sagemaker:CreateModel",
                            ],
                            "Resource": packages,
                        },
                    ]
                ),
                # Policies hold no data: sharing can be withdrawn even in prod.
                opts=pulumi.ResourceOptions(parent=group, protect=False),
            )
        return group

    def _repository(self, image: ServingImageArgs) -> aws.ecr.Repository:
        d, ident = self._deployment, self._ident
        repository_name = f"{d.name()}/{image.name}"
        repo = aws.ecr.Repository(
            f"{self._name}-{image.name}",
            name=repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[
                {"encryption_type": "KMS", "kms_key": self._args.kms_key_arn}
            ],
            force_delete=not d.protect_stateful,
            tags=d.tagged(repository_name),
            opts=d.stateful(self),
        )
        # Lifecycle and access policies hold no data: they stay editable and removable.
        in_repo = pulumi.ResourceOptions(parent=repo, protect=False)
        aws.ecr.LifecyclePolicy(
            f"{self._name}-{image.name}-lifecycle",
            repository=repo.name,
            policy=json.dumps({"rules": lifecycle_rules(image)}),
            opts=in_repo,
        )
        if image.consumer_accounts:
            aws.ecr.RepositoryPolicy(
                f"{self._name}-{image.name}-policy",
                repository=repo.name,
                policy=policy_document(
                    [
                        {
                            "Sid": "ConsumersPullImage",
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": _account_roots(ident.partition, image.consumer_accounts)
                            },
                            "Action": [
                                "ecr:BatchGetImage",
                                "ecr:GetDownloadUrlForLayer",
                                "ecr:BatchCheckLayerAvailability",
                            ],
                        }
                    ]
                ),
                opts=in_repo,
            )
        return repo

    def _mlflow(
        self,
        mlflow: MlflowArgs,
        bucket_name: pulumi.Output[str],
        bucket_arn: pulumi.Output[str],
    ) -> aws.sagemaker.MlflowTrackingServer:
        d, name = self._deployment, self._name
        statements = self._mlflow_store_statements(bucket_arn)
        if mlflow.automatic_model_registration:
            statements += self._mlflow_registration_statements()
        role = service_role(
            f"{name}-mlflow-role",
            d,
            role_name=d.name("mlflow"),
            services=["sagemaker.amazonaws.com"],
            parent=self,
            statements=statements,
            description="SageMaker managed MLflow: artifact store and model registration",
        )
        server_name = d.name("mlflow")
        return aws.sagemaker.MlflowTrackingServer(
            f"{name}-mlflow",
            tracking_server_name=server_name,
            artifact_store_uri=concat("s3://", bucket_name, f"/{MLFLOW_PREFIX}"),
            role_arn=role.arn,
            tracking_server_size=mlflow.size,
            mlflow_version=mlflow.version,
            automatic_model_registration=mlflow.automatic_model_registration,
            weekly_maintenance_window_start=mlflow.weekly_maintenance_window_start,
            tags=d.tagged(server_name),
            # The server validates access to its artifact store when it starts.
            opts=d.stateful(self, depends_on=role.ready),
        )

    def _mlflow_store_statements(self, bucket_arn: pulumi.Output[str]) -> list[Statement]:
        """MLflow's access to its artifact store: its prefix of the bucket and the stack key."""
        return [
            {
                "Sid": "ArtifactStoreObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": concat(bucket_arn, f"/{MLFLOW_PREFIX}/*"),
            },
            {
                "Sid": "ArtifactStoreListing",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{MLFLOW_PREFIX}/*", MLFLOW_PREFIX]}},
            },
            {
                "Sid": "ArtifactStoreBucketLocation",
                "Effect": "Allow",
                "Action": ["s3:GetBucketLocation"],
                "Resource": bucket_arn,
            },
            {
                "Sid": "EncryptWithStackKey",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": self._args.kms_key_arn,
            },
        ]

    def _mlflow_registration_statements(self) -> list[Statement]:
        """Automatic registration: package groups and versions named after this stack only."""
        ident = self._ident
        sagemaker_arn = concat(
            "arn:", ident.partition, ":sagemaker:", ident.region, ":", ident.account_id, ":"
        )
        prefix = self._deployment.name().lower()
        return [
            {
                "Sid": "RegisterModelsInStackGroups",
                "Effect": "Allow",
                "Action": [
                    "sagemaker:AddTags",
                    "sagemaker:CreateModelPackageGroup",
                    "sagemaker:DescribeModelPackageGroup",
                    "sagemaker:CreateModelPackage",
                    "sagemaker:DescribeModelPackage",
                    "sagemaker:UpdateModelPackage",
                ],
                "Resource": [
                    concat(sagemaker_arn, f"model-package-group/{prefix}-*"),
                    concat(sagemaker_arn, f"model-package/{prefix}-*/*"),
                ],
            }
        ]


def _check_group_names(models: Sequence[ModelFamilyArgs], deployment: Deployment) -> None:
    """Raise if a family's physical group name is longer than SageMaker accepts."""
    for model in models:
        physical = deployment.name(model.name)
        if len(physical) > MAX_MODEL_PACKAGE_GROUP_NAME:
            raise ValueError(
                f"model package group name '{physical}' is longer than "
                f"{MAX_MODEL_PACKAGE_GROUP_NAME} characters; shorten the stack or model name"
            )


def _as_dict(values: dict[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    if not values:
        return pulumi.Output.from_input({})
    return pulumi.Output.all(**values)
