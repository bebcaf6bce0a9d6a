"""Pulumi mocks that stand in for AWS, so the real program runs offline.

`PlatformMocks` answers every registration with the inputs plus the computed attributes
other resources read (ids, ARNs, names), and answers the data-source invokes the program
makes. Attribute makers are keyed by resource type; add one where a component reads a
computed attribute the generic maker does not provide.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from typing import Any

import pulumi

MOCK_ACCOUNT_ID = "123456789012"

State = dict[str, Any]


def _service(type_token: str) -> str:
    # "aws:sagemaker/featureGroup:FeatureGroup" -> "sagemaker"
    return type_token.split(":")[1].split("/")[0]


def _kind(type_token: str) -> str:
    # "aws:sagemaker/featureGroup:FeatureGroup" -> "feature-group"
    name = type_token.rsplit(":", 1)[-1]
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _ec2_id(prefix: str, name: str) -> str:
    """An EC2-shaped id (`subnet-0123456789abcdef0`), the same for the same name."""
    return f"{prefix}-{hashlib.sha256(name.encode()).hexdigest()[:17]}"


def _physical_name(inputs: State, name: str) -> str:
    for key in (
        "name",
        "bucket",
        "roleName",
        "featureGroupName",
        "modelPackageGroupName",
        "endpointName",
        "modelName",
        "clusterName",
        "nodeGroupName",
        "trackingServerName",
        "alarmName",
        "dashboardName",
        "databaseName",
        "pipelineName",
    ):
        if isinstance(value := inputs.get(key), str):
            return value
    return name


class PlatformMocks(pulumi.runtime.Mocks):
    """Offline stand-in for the AWS and Kubernetes providers."""

    def __init__(self, region: str = "eu-west-1", account_id: str = MOCK_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id
        self._state_makers: dict[str, Callable[[State, str], State]] = {
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:iam/role:Role": self._iam("role"),
            "aws:iam/policy:Policy": self._iam("policy"),
            "aws:iam/openIdConnectProvider:OpenIdConnectProvider": self._iam("oidc-provider"),
            "aws:kms/key:Key": self._kms_key,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:ec2/vpc:Vpc": lambda i, n: {"cidrBlock": i.get("cidrBlock", "10.0.0.0/16")},
            # EC2-shaped ids (stable per name): Karpenter's selector terms and CloudFormation
            # templates validate the `subnet-<17 hex>` form.
            "aws:ec2/subnet:Subnet": lambda i, n: {"id": _ec2_id("subnet", n)},
            "aws:eks/cluster:Cluster": self._eks_cluster,
            "aws:eks/nodeGroup:NodeGroup": self._eks_node_group,
            "aws:ec2/launchTemplate:LaunchTemplate": lambda i, n: {
                "latestVersion": 1,
                "defaultVersion": 1,
            },
            "aws:ecr/repository:Repository": self._ecr_repository,
            # EventBridge ARNs are in service `events`, as IAM policies name them.
            "aws:cloudwatch/eventApiDestination:EventApiDestination": self._events(
                "api-destination"
            ),
            "aws:cloudwatch/eventConnection:EventConnection": self._events("connection"),
            # A rule on the default bus: `rule/<name>`, exactly as AWS forms it.
            "aws:cloudwatch/eventRule:EventRule": lambda i, n: {
                "arn": f"arn:aws:events:{self.region}:{self.account_id}:rule/{n}"
            },
            "aws:sqs/queue:Queue": self._sqs_queue,
            "aws:sfn/stateMachine:StateMachine": self._state_machine,
        }

    def _events(self, kind: str) -> Callable[[State, str], State]:
        def state(inputs: State, physical: str) -> State:
            arn = f"arn:aws:events:{self.region}:{self.account_id}:{kind}/{physical}/mock"
            return {"arn": arn}

        return state

    def _state_machine(self, inputs: State, physical: str) -> State:
        # Step Functions' service is `states` and its ARNs join with ':', as IAM names them.
        return {"arn": f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{physical}"}

    def _sqs_queue(self, inputs: State, physical: str) -> State:
        # A queue's ARN ends in its bare name; its id is its URL.
        url = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{physical}"
        return {"arn": f"arn:aws:sqs:{self.region}:{self.account_id}:{physical}", "url": url}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, State]:
        inputs = dict(args.inputs)
        physical = _physical_name(inputs, args.name)
        state: State = {
            "arn": (
                f"arn:aws:{_service(args.typ)}:{self.region}:{self.account_id}:"
                f"{_kind(args.typ)}/{physical}"
            ),
            "id": f"{physical}-id",
            "name": physical,
            **inputs,
        }
        maker = self._state_makers.get(args.typ)
        if maker is not None:
            state.update(maker(inputs, physical))
        return state["id"], state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[State, list[tuple[str, str]] | None]:
        token, a = args.token, args.args
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            result: State = {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/plan",
                "userId": "AIDAPLAN",
                "id": self.account_id,
            }
        elif token == "aws:index/getRegion:getRegion":
            result = {
                "region": self.region,
                "name": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "description": self.region,
            }
        elif token == "aws:index/getPartition:getPartition":
            result = {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            }
        elif token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            letters = "abcdef"
            result = {
                "names": [f"{self.region}{c}" for c in letters],
                "zoneIds": [f"{self.region[:3]}-az{i + 1}" for i in range(6)],
                "id": self.region,
            }
        elif token == "aws:ec2/getVpc:getVpc":
            result = {"id": a.get("id"), "cidrBlock": "10.0.0.0/16"}
        elif token == "aws:secretsmanager/getSecretVersion:getSecretVersion":
            # Secret values exist only in the account; offline a placeholder stands in.
            result = {
                "arn": a.get("secretId"),
                "id": f"{a.get('secretId')}|AWSCURRENT",
                "secretId": a.get("secretId"),
                "secretString": "offline-placeholder",
                "versionId": "offline",
                "versionStage": "AWSCURRENT",
            }
        elif token == "aws:iam/getPolicyDocument:getPolicyDocument":
            result = {
                "json": json.dumps({"Version": "2012-10-17", "Statement": a.get("statements", [])})
            }
        else:
            result = {}
        # (outputs, check failures): pulumi reads the pair; a bare dict is its legacy form.
        return result, []

    # -- computed attributes per type -------------------------------------------------

    def _bucket(self, inputs: State, physical: str) -> State:
        bucket = inputs.get("bucket", physical)
        return {
            "bucket": bucket,
            "id": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
            "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.amazonaws.com",
        }

    def _iam(self, kind: str) -> Callable[[State, str], State]:
        def make(inputs: State, physical: str) -> State:
            return {
                "arn": f"arn:aws:iam::{self.account_id}:{kind}/{physical}",
                "id": physical,
                "name": physical,
            }

        return make

    def _kms_key(self, inputs: State, physical: str) -> State:
        key_id = f"mock-key-{zlib.crc32(physical.encode()):010d}"
        return {
            "keyId": key_id,
            "id": key_id,
            "arn": f"arn:aws:kms:{self.region}:{self.account_id}:key/{key_id}",
        }

    def _log_group(self, inputs: State, physical: str) -> State:
        return {"arn": f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{physical}"}

    def _eks_cluster(self, inputs: State, physical: str) -> State:
        return {
            "endpoint": f"https://{physical}.gr7.{self.region}.eks.amazonaws.com",
            "certificateAuthority": {"data": "bW9jay1jYQ=="},
            "identities": [
                {"oidcs": [{"issuer": f"https://oidc.eks.{self.region}.amazonaws.com/id/MOCK"}]}
            ],
            "status": "ACTIVE",
            # EKS creates the cluster's security group; the inputs' vpcConfig is kept.
            "vpcConfig": {
                **inputs.get("vpcConfig", {}),
                "clusterSecurityGroupId": f"sg-{physical}-cluster",
            },
        }

    def _eks_node_group(self, inputs: State, physical: str) -> State:
        cluster = inputs.get("clusterName", "cluster")
        # `_physical_name` picks clusterName first; the node group's own name is this one.
        physical = inputs.get("nodeGroupName") or (
            # EKS appends a unique suffix to a prefix; the mock's is fixed, for stable plans.
            f"{inputs['nodeGroupNamePrefix']}mock" if "nodeGroupNamePrefix" in inputs else physical
        )
        return {
            "arn": (
                f"arn:aws:eks:{self.region}:{self.account_id}:nodegroup/{cluster}/{physical}/mock"
            ),
            "id": f"{cluster}:{physical}",
            "nodeGroupName": physical,
            "status": "ACTIVE",
            "resources": [{"autoscalingGroups": [{"name": f"eks-{physical}-mock"}]}],
        }

    def _ecr_repository(self, inputs: State, physical: str) -> State:
        return {
            "repositoryUrl": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/{physical}"
        }
