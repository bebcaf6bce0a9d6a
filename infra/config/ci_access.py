"""`mlops-platform:ciAccess` — GitHub Actions OIDC roles.

Everything here ends up in an IAM trust policy, so the values are checked strictly: no
wildcards, no characters that would let a `sub` claim match more than the one repository,
branch or GitHub environment named.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from .base import ConfigModel, rule_error

GithubRepository = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
]
# A git branch name as it appears after refs/heads/ (no wildcards, no ':' which separates
# the fields of the OIDC subject).
BranchName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$", max_length=200)
]
GithubEnvironment = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$", max_length=255)
]
OidcProviderArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
    ),
]
PolicyArn = Annotated[
    str,
    StringConstraints(pattern=r"^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[A-Za-z0-9_+=,.@/-]+$"),
]
KmsKeyArn = Annotated[
    str, StringConstraints(pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$")
]
BucketName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]


class CiAccessConfig(ConfigModel):
    """Roles GitHub Actions assumes over OIDC to preview and deploy this stack.

    The preview role trusts pull-request jobs of `githubRepository` only; the deploy role
    trusts jobs running in the GitHub environment `environment` (whose reviewers and
    branch rules GitHub enforces), and with `allowBranchDeploys` also jobs on `branch`.
    """

    github_repository: GithubRepository = Field(description="owner/repo allowed to assume.")
    branch: BranchName = Field(
        default="main", description="Branch deploys come from (see allowBranchDeploys)."
    )
    environment: GithubEnvironment | None = Field(
        default=None, description="GitHub environment allowed to deploy (defaults to stack)."
    )
    allow_branch_deploys: bool = Field(
        default=False,
        description="Also let jobs on `branch` without a GitHub environment deploy. Off by "
        "default: such jobs skip the environment's required reviewers.",
    )
    create_oidc_provider: bool = Field(
        default=True, description="Create the account's GitHub OIDC provider (once per account)."
    )
    oidc_provider_arn: OidcProviderArn | None = Field(
        default=None,
        description="Existing GitHub OIDC provider to trust (implies createOidcProvider false).",
    )
    state_bucket: BucketName | None = Field(
        default=None,
        description="S3 bucket of a self-managed Pulumi backend the roles read and write.",
    )
    secrets_kms_key_arn: KmsKeyArn | None = Field(
        default=None, description="KMS key of the stack's awskms:// secrets provider."
    )
    deploy_managed_policy_arns: list[PolicyArn] = Field(
        default_factory=list,
        description="Further managed policies for the deploy role, for services a fork adds. "
        "The policy rules reject *FullAccess and administrator policies.",
    )
    max_session_hours: int = Field(
        default=1, ge=1, le=12, description="Longest session a workflow job may hold."
    )

    @field_validator("github_repository")
    @classmethod
    def _real_repository_name(cls, repository: str) -> str:
        name = repository.split("/", 1)[1]
        if name in (".", ".."):
            raise ValueError(f"'{repository}' is not a repository name")
        return repository

    @field_validator("branch")
    @classmethod
    def _valid_branch(cls, branch: str) -> str:
        if ".." in branch or branch.endswith(("/", ".", ".lock")) or "//" in branch:
            raise ValueError(f"'{branch}' is not a valid git branch name")
        return branch

    @field_validator("deploy_managed_policy_arns")
    @classmethod
    def _unique_policies(cls, arns: list[str]) -> list[str]:
        for index, arn in enumerate(arns):
            if arn in arns[:index]:
                raise rule_error(f"[{index}]", f"duplicate policy {arn}")
        return arns

    @model_validator(mode="after")
    def _existing_provider(self) -> CiAccessConfig:
        if self.oidc_provider_arn is not None:
            if "create_oidc_provider" in self.model_fields_set and self.create_oidc_provider:
                raise rule_error(
                    "createOidcProvider",
                    "cannot create a provider and use the existing oidcProviderArn; "
                    "set createOidcProvider: false",
                )
            self.create_oidc_provider = False
        return self
