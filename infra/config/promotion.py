"""`mlops-platform:promotion` — approval-driven promotion through pull requests.

When a model package version of one of the stack's families is Approved, EventBridge asks
GitHub to dispatch the repository's `promote` workflow, which opens a pull request pinning
the version. The GitHub token lives in Secrets Manager; the stack file names its ARN only.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .base import ConfigModel, ResourceName
from .ci_access import GithubEnvironment, GithubRepository

# `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>`:
# a full ARN, since EventBridge and IAM need the exact secret.
SecretArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$"
    ),
]
# GitHub's `repository_dispatch` event type the promote workflow listens to.
DISPATCH_EVENT_TYPE = "model-approved"


class PromotionConfig(ConfigModel):
    """Dispatch the repository's promote workflow when a model version is Approved."""

    github_repository: GithubRepository = Field(
        description="owner/repo whose promote workflow opens the pull request."
    )
    token_secret_arn: SecretArn = Field(
        description="Secrets Manager secret (full ARN) holding a GitHub token allowed to "
        "create repository dispatch events (fine-grained: Contents read and write). Never "
        "put the token itself in the stack file."
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
    max_event_age_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        description="Give up on a dispatch after this long; it lands in the dead-letter queue.",
    )
