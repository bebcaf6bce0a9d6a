"""`mlops-platform:promotion` — approval-driven promotion through pull requests.

When a model package version of one of the stack's families is Approved, EventBridge asks
GitHub to dispatch the repository's `promote` workflow, which opens a pull request pinning
the version. The GitHub token lives in Secrets Manager; the stack file names its ARN only.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from .base import ConfigModel, ResourceName
from .ci_access import GithubEnvironment, GithubRepository

# A secret's name (in the stack's account and region: a fork in another region finds its
# own secret of that name), or its full ARN
# `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`.
SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):[0-9]{12}:"
    r"secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
)
SecretReference = Annotated[
    str, StringConstraints(pattern=r"^(arn:[A-Za-z0-9:/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$")
]
# How GitHub's tokens begin: such a value is the token itself, not the name of its secret.
GITHUB_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
# GitHub's `repository_dispatch` event type the promote workflow listens to.
DISPATCH_EVENT_TYPE = "model-approved"


class PromotionConfig(ConfigModel):
    """Dispatch the repository's promote workflow when a model version is Approved."""

    github_repository: GithubRepository = Field(
        description="owner/repo whose promote workflow opens the pull request."
    )
    token_secret: SecretReference = Field(
        description="Secrets Manager secret (name, or full ARN in the stack's region) holding "
        "a GitHub token allowed to create repository dispatch events (fine-grained: Contents "
        "read and write). Never put the token itself in the stack file."
    )
    github_environment: GithubEnvironment = Field(
        default="promotion",
        description="GitHub environment the promote workflow runs in; with ciAccess, its "
        "jobs may assume the stack's read-only preview role to check approvals.",
    )
    models: list[ResourceName] | None = Field(
        default=None,
        description="Families whose approvals dispatch (default: every registry.models entry).",
    )
    max_retry_attempts: int = Field(
        default=10, ge=0, le=185, description="EventBridge retries of a failed dispatch."
    )

    @field_validator("token_secret")
    @classmethod
    def _a_reference_not_the_token(cls, value: str) -> str:
        if value.startswith(GITHUB_TOKEN_PREFIXES):
            raise ValueError(
                "this is a GitHub token: store it in Secrets Manager and name the secret here"
            )
        if value.startswith("arn:") and not SECRET_ARN.match(value):
            raise ValueError(f"'{value}' is not a Secrets Manager secret ARN")
        return value

    max_event_age_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        description="Give up on a dispatch after this long; it lands in the dead-letter queue.",
    )
