"""FeatureStore: SageMaker feature groups with an encrypted offline store catalogued in Glue."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .aws_context import AwsIdentity, aws_identity
from .context import Deployment
from .iam import ServiceRole, Statement, service_role
from .output_values import concat
from .secure_bucket import SecureBucket, SecureBucketArgs

# Prefix of the offline store inside the bucket: the role may write here and nowhere else.
OFFLINE_PREFIX = "offline-store"
# The role is named `mlops-<stack>-feature-store`; preflight looks for it to tell a deployed
# stack from one whose buckets were kept when it was destroyed.
ROLE_NAME_PART = "feature-store"


def offline_data_prefix(feature_group_name: str, account_id: str, region: str) -> str:
    """Key prefix (in the feature-store bucket) of one group's offline records.

    SageMaker writes them under `<s3 uri>/<account>/sagemaker/<region>/offline-store/
    <feature group name>-<creation time>/`; the trailing '-' keeps a reader of this group
    out of another group whose name merely starts the same way only as far as S3 prefixes
    allow, so group names should not extend one another.
    """
    return f"{OFFLINE_PREFIX}/{account_id}/sagemaker/{region}/offline-store/{feature_group_name}-"


MAX_FEATURE_GROUP_NAME = 64


@dataclass
class FeatureArgs:
    """One feature definition: a name and a SageMaker type.

    Args:
        name: Feature name.
        type: `String`, `Integral` or `Fractional`.
    """

    name: str
    type: str


@dataclass
class FeatureGroupArgs:
    """One feature group.

    Args:
        name: Short name; the physical name is `mlops-<stack>-<name>`.
        record_identifier: Feature whose value identifies a record.
        event_time: Feature holding the event time (String ISO-8601 or Fractional seconds).
        features: Typed feature definitions, including the two above.
        description: Free text shown in SageMaker Studio.
        online_store: Create a KMS-encrypted online store for low-latency reads.
        ttl_days: Hard-delete online records this many days after their event time.
        offline_store: Keep the record history in the feature-store bucket.
        table_format: Offline table format, `Glue` or `Iceberg`.
    """

    name: str
    record_identifier: str
    event_time: str
    features: Sequence[FeatureArgs]
    description: str | None = None
    online_store: bool = True
    ttl_days: int | None = None
    offline_store: bool = True
    table_format: str = "Glue"


@dataclass
class FeatureStoreArgs:
    """Inputs of a FeatureStore.

    Args:
        kms_key_arn: Key encrypting the bucket and both stores of every group.
        feature_groups: Feature groups to create.
        noncurrent_version_days: Days overwritten offline-store objects are kept.
    """

    kms_key_arn: pulumi.Input[str]
    feature_groups: Sequence[FeatureGroupArgs] = field(default_factory=list)
    noncurrent_version_days: int = 90


def _check_group_names(groups: Sequence[FeatureGroupArgs], deployment: Deployment) -> None:
    """Raise if a group's physical name is longer than SageMaker accepts."""
    for group in groups:
        physical = deployment.name(group.name)
        if len(physical) > MAX_FEATURE_GROUP_NAME:
            raise ValueError(
                f"feature group name '{physical}' is longer than "
                f"{MAX_FEATURE_GROUP_NAME} characters; shorten the stack or group name"
            )


def _database_name(deployment: Deployment) -> str:
    """The Glue database name: Athena and Spark want lower-case names with underscores."""
    return re.sub(r"[^a-z0-9_]", "_", deployment.name("features").lower())


def _online_store(
    group: FeatureGroupArgs, kms_key_arn: pulumi.Input[str]
) -> aws.sagemaker.FeatureGroupOnlineStoreConfigArgsDict | None:
    """The KMS-encrypted online store of a group, with its TTL; None without one."""
    if not group.online_store:
        return None
    online: aws.sagemaker.FeatureGroupOnlineStoreConfigArgsDict = {
        "enable_online_store": True,
        "security_config": {"kms_key_id": kms_key_arn},
    }
    if group.ttl_days is not None:
        online["ttl_duration"] = {"unit": "Days", "value": group.ttl_days}
    return online


def _offline_store(
    group: FeatureGroupArgs,
    kms_key_arn: pulumi.Input[str],
    offline_uri: pulumi.Output[str],
    database_name: pulumi.Output[str],
) -> aws.sagemaker.FeatureGroupOfflineStoreConfigArgsDict | None:
    """The offline store of a group in the stack bucket and Glue database; None without one."""
    if not group.offline_store:
        return None
    return {
        "s3_storage_config": {"s3_uri": offline_uri, "kms_key_id": kms_key_arn},
        "data_catalog_config": {
            "catalog": "AwsDataCatalog",
            "database": database_name,
            "table_name": group.name.replace("-", "_"),
        },
        "table_format": group.table_format,
    }


class FeatureStore(pulumi.ComponentResource):
    """SageMaker Feature Store for one stack.

    One SecureBucket holds every group's offline store (under `offline-store/`), one Glue
    database catalogues the offline tables for Athena and training jobs, and one IAM role,
    assumed by SageMaker, may write to exactly that prefix, use exactly the stack's key and
    manage tables in exactly that database. Each feature group encrypts its online store
    and its offline objects with the stack's key.

    Outputs:
        bucket_name: Offline-store bucket name.
        bucket_arn: Offline-store bucket ARN (a workload bucket of the training cluster).
        glue_database_name: Glue database of the offline tables.
        feature_group_names: Physical feature group names.
        feature_group_arns: Group short name -> ARN.
        role_arn: Role SageMaker uses to write the offline store.
    """

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    glue_database_name: pulumi.Output[str]
    feature_group_names: pulumi.Output[list[str]]
    feature_group_arns: pulumi.Output[dict[str, str]]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: FeatureStoreArgs,
        deployment: Deployment,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # SageMaker refuses longer names; fail before anything is registered.
        _check_group_names(args.feature_groups, deployment)
        super().__init__("mlops:data:FeatureStore", name, None, opts)
        self._name = name
        self._deployment = deployment
        ident = aws_identity()

        bucket = self._offline_bucket(ident, args)
        offline_uri = concat("s3://", bucket.bucket, "/", OFFLINE_PREFIX)
        database = self._catalog_database(offline_uri)
        role = service_role(
            f"{name}-role",
            deployment,
            role_name=deployment.name(ROLE_NAME_PART),
            services=["sagemaker.amazonaws.com"],
            parent=self,
            statements=self._role_statements(
                ident, bucket.arn, args.kms_key_arn, _database_name(deployment)
            ),
            description="SageMaker Feature Store writes offline records and Glue tables",
        )

        names: list[pulumi.Output[str]] = []
        arns: dict[str, pulumi.Output[str]] = {}
        for group in args.feature_groups:
            feature_group = self._feature_group(
                name, group, deployment, args, role, offline_uri, database.name
            )
            names.append(feature_group.feature_group_name)
            arns[group.name] = feature_group.arn

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.glue_database_name = database.name
        self.feature_group_names = pulumi.Output.all(*names)
        self.feature_group_arns = (
            pulumi.Output.all(**arns) if arns else pulumi.Output.from_input({})
        )
        self.role_arn = role.arn
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "glue_database_name": self.glue_database_name,
                "feature_group_names": self.feature_group_names,
                "feature_group_arns": self.feature_group_arns,
                "role_arn": self.role_arn,
            }
        )

    def _offline_bucket(self, ident: AwsIdentity, args: FeatureStoreArgs) -> SecureBucket:
        """The KMS-encrypted bucket holding the offline store (name carries the account)."""
        d = self._deployment
        return SecureBucket(
            f"{self._name}-offline",
            SecureBucketArgs(
                bucket_name=ident.account_id.apply(
                    lambda account: d.bucket_name("features", account)
                ),
                kms_key_arn=args.kms_key_arn,
                noncurrent_version_days=args.noncurrent_version_days,
            ),
            d,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _catalog_database(self, offline_uri: pulumi.Output[str]) -> aws.glue.CatalogDatabase:
        """The Glue database the offline tables are registered in (kept on deletion)."""
        d = self._deployment
        database_name = _database_name(d)
        return aws.glue.CatalogDatabase(
            f"{self._name}-catalog",
            name=database_name,
            description=f"Offline feature store tables of stack {d.stack}",
            location_uri=offline_uri,
            tags=d.tagged(database_name),
            opts=d.stateful(self),
        )

    @staticmethod
    def _role_statements(
        ident: AwsIdentity,
        bucket_arn: pulumi.Output[str],
        kms_key_arn: pulumi.Input[str],
        database_name: str,
    ) -> list[Statement]:
        glue = concat("arn:", ident.partition, ":glue:", ident.region, ":", ident.account_id, ":")
        return [
            {
                "Sid": "WriteOfflineStore",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:PutObjectAcl"],
                "Resource": concat(bucket_arn, f"/{OFFLINE_PREFIX}/*"),
            },
            {
                "Sid": "LocateOfflineStoreBucket",
                "Effect": "Allow",
                "Action": ["s3:GetBucketAcl", "s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": bucket_arn,
            },
            {
                "Sid": "EncryptWithStackKey",
                "Effect": "Allow",
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "kms:DescribeKey",
                ],
                "Resource": kms_key_arn,
            },
            {
                "Sid": "ManageOfflineTables",
                "Effect": "Allow",
                "Action": [
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                ],
                "Resource": [
                    concat(glue, "catalog"),
                    concat(glue, "database/", database_name),
                    concat(glue, "table/", database_name, "/*"),
                ],
            },
        ]

    def _feature_group(
        self,
        name: str,
        group: FeatureGroupArgs,
        deployment: Deployment,
        args: FeatureStoreArgs,
        role: ServiceRole,
        offline_uri: pulumi.Output[str],
        database_name: pulumi.Output[str],
    ) -> aws.sagemaker.FeatureGroup:
        physical = deployment.name(group.name)
        return aws.sagemaker.FeatureGroup(
            f"{name}-{group.name}",
            feature_group_name=physical,
            description=group.description,
            record_identifier_feature_name=group.record_identifier,
            event_time_feature_name=group.event_time,
            feature_definitions=[
                {"feature_name": f.name, "feature_type": f.type} for f in group.features
            ],
            online_store_config=_online_store(group, args.kms_key_arn),
            offline_store_config=_offline_store(
                group, args.kms_key_arn, offline_uri, database_name
            ),
            role_arn=role.arn,
            tags=deployment.tagged(physical),
            # SageMaker checks the role's permissions when the group is created.
            opts=deployment.stateful(self, depends_on=role.ready),
        )
