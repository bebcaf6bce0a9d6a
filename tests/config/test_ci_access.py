"""`ciAccess` config: everything that reaches a trust policy is checked strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_stack_file
from tests.helpers import BASE_STACK, write_stack

REPO = "acme/mlops-platform"


def load(tmp_path: Path, ci: dict[str, Any]):
    return load_stack_file(write_stack(tmp_path, {**BASE_STACK, "mlops-platform:ciAccess": ci}))


def test_minimal_section_and_defaults(tmp_path: Path) -> None:
    ci = load(tmp_path, {"githubRepository": REPO}).ci_access
    assert ci is not None
    assert ci.github_repository == REPO
    assert ci.branch == "main"
    assert ci.environment is None
    assert ci.allow_branch_deploys is False
    assert ci.create_oidc_provider is True
    assert ci.max_session_hours == 1


def test_section_is_optional(tmp_path: Path) -> None:
    assert load_stack_file(write_stack(tmp_path, BASE_STACK)).ci_access is None


def test_existing_provider_means_none_is_created(tmp_path: Path) -> None:
    arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    ci = load(tmp_path, {"githubRepository": REPO, "oidcProviderArn": arn}).ci_access
    assert ci is not None
    assert ci.oidc_provider_arn == arn
    assert ci.create_oidc_provider is False


@pytest.mark.parametrize(
    ("ci", "path", "problem"),
    [
        ({"githubRepository": "acme/*"}, "ciAccess.githubRepository", "pattern"),
        ({"githubRepository": "acme"}, "ciAccess.githubRepository", "pattern"),
        ({"githubRepository": "acme/.."}, "ciAccess.githubRepository", "not a repository"),
        ({"githubRepository": REPO, "branch": "release/*"}, "ciAccess.branch", "pattern"),
        ({"githubRepository": REPO, "branch": "a:b"}, "ciAccess.branch", "pattern"),
        ({"githubRepository": REPO, "branch": "a..b"}, "ciAccess.branch", "not a valid"),
        ({"githubRepository": REPO, "environment": "prod*"}, "ciAccess.environment", "pattern"),
        ({"githubRepository": REPO, "environment": "p:x"}, "ciAccess.environment", "pattern"),
        (
            {
                "githubRepository": REPO,
                "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/example.com",
            },
            "ciAccess.oidcProviderArn",
            "pattern",
        ),
        (
            {
                "githubRepository": REPO,
                "createOidcProvider": True,
                "oidcProviderArn": "arn:aws:iam::111122223333:oidc-provider/"
                "token.actions.githubusercontent.com",
            },
            "ciAccess.createOidcProvider",
            "cannot create a provider",
        ),
        ({"githubRepository": REPO, "maxSessionHours": 13}, "ciAccess.maxSessionHours", "12"),
        (
            {"githubRepository": REPO, "deployManagedPolicyArns": ["AmazonS3ReadOnlyAccess"]},
            "ciAccess.deployManagedPolicyArns[0]",
            "pattern",
        ),
        (
            {
                "githubRepository": REPO,
                "deployManagedPolicyArns": [
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                ],
            },
            "ciAccess.deployManagedPolicyArns[1]",
            "duplicate",
        ),
        (
            {"githubRepository": REPO, "stateBucket": "Bad_Bucket"},
            "ciAccess.stateBucket",
            "pattern",
        ),
        (
            {"githubRepository": REPO, "secretsKmsKeyArn": "key-1"},
            "ciAccess.secretsKmsKeyArn",
            "pattern",
        ),
        ({"githubRepository": REPO, "branches": ["main"]}, "ciAccess.branches", "unknown key"),
        ({}, "ciAccess.githubRepository", "required"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, ci: dict, path: str, problem: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, ci)
    message = str(error.value)
    assert "\n" not in message
    assert f": {path}: " in message
    assert problem in message
