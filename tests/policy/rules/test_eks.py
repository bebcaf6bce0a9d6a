"""EKS and launch templates: secrets encryption, control-plane logs, private prod API,
IMDSv2."""

from __future__ import annotations

from collections.abc import Callable

import pulumi_aws as aws
import pytest

from ..synth import KEY_ARN, PROD_TAGS, TAGS, Case, case_id, check_case

ALL_LOGS = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def eks_cluster(
    encryption: dict | None = None,
    logs: tuple[str, ...] = ALL_LOGS,
    public: bool | None = False,
    tags=PROD_TAGS,
):
    vpc: dict = {"subnet_ids": ["subnet-1"], "endpoint_private_access": True}
    if public is not None:
        vpc["endpoint_public_access"] = public

    def program() -> None:
        aws.eks.Cluster(
            "cluster",
            role_arn="arn:aws:iam::123456789012:role/cluster",
            vpc_config=vpc,
            encryption_config=encryption
            if encryption is not None
            else {"resources": ["secrets"], "provider": {"key_arn": KEY_ARN}},
            enabled_cluster_log_types=list(logs),
            tags=tags,
        )

    return program


def launch_template(metadata: dict | None) -> Callable[[], None]:
    return lambda: aws.ec2.LaunchTemplate("lt", metadata_options=metadata, tags=TAGS)


CASES = [
    Case("eks-secrets-encryption", "prod", eks_cluster()),
    Case(
        "eks-secrets-encryption",
        "prod",
        eks_cluster(encryption={"resources": [], "provider": {"key_arn": KEY_ARN}}),
        "secrets",
        "cluster",
    ),
    Case("eks-secrets-encryption", "prod", eks_cluster(encryption={}), "encryptionConfig"),
    Case("eks-control-plane-logging", "prod", eks_cluster()),
    Case(
        "eks-control-plane-logging",
        "prod",
        eks_cluster(logs=("api", "audit", "authenticator")),
        "controllerManager, scheduler",
        "cluster",
    ),
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=False)),
    Case("eks-private-endpoint-prod", "dev", eks_cluster(public=True, tags=TAGS)),
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=True), "endpointPublicAccess"),
    # AWS turns the public endpoint on unless told otherwise.
    Case("eks-private-endpoint-prod", "prod", eks_cluster(public=None), "endpointPublicAccess"),
    Case("launch-template-imdsv2", "dev", launch_template({"http_tokens": "required"})),
    Case("launch-template-imdsv2", "dev", launch_template({"http_tokens": "optional"}), "IMDSv2"),
    Case("launch-template-imdsv2", "dev", launch_template(None), "httpTokens", "lt"),
]


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_rule(case: Case) -> None:
    check_case(case)
