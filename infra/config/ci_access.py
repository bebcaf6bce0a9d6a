"""`mlops-platform:ciAccess` — GitHub Actions OIDC roles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from .base import ConfigModel

GithubRepository = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
]


class CiAccessConfig(ConfigModel):
    """Roles GitHub Actions assumes over OIDC to preview and deploy this stack."""

    github_repository: GithubRepository = Field(description="owner/repo allowed to assume.")
    branch: str = Field(default="main", description="Branch allowed to deploy.")
    environment: str | None = Field(
        default=None, description="GitHub environment allowed to deploy (defaults to stack)."
    )
    create_oidc_provider: bool = Field(
        default=True, description="Create the account's GitHub OIDC provider (once per account)."
    )
