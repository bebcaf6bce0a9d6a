"""`mlops-platform:ciRunners` — the stack's CodeBuild-hosted GitHub Actions runner.

Stacks with a private EKS API deploy from a runner inside their VPC. CodeBuild reaches
GitHub through a CodeConnections connection (set up once, in the console, by an
administrator), so no GitHub token is ever written into a stack file.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from .base import ConfigModel

ConnectionArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:"
        r"connection/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ),
]
# CodeBuild's curated Amazon Linux image: the runner needs only a shell, Python and git.
DEFAULT_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
ImageName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$", max_length=255)
]


@cache
def compute_types() -> tuple[str, ...]:
    """The compute types CodeBuild accepts (its API model's `ComputeType` enum)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("codebuild")
    shape = model.shape_for("ComputeType")
    return tuple(shape.enum)  # type: ignore[attr-defined]  # a StringShape


class CiRunnersConfig(ConfigModel):
    """The CodeBuild project whose builds run this stack's GitHub Actions deploy jobs.

    Its webhook queues a build for every queued workflow job labelled
    `codebuild-mlops-<stack>-ci-runner-...`; the build runs in the private subnets, can
    reach the EKS API, and assumes the deploy role over GitHub OIDC like any other job.
    """

    connection_arn: ConnectionArn = Field(
        description="CodeConnections (or CodeStar Connections) connection to GitHub."
    )
    compute_type: str = Field(
        default="BUILD_GENERAL1_SMALL",
        description="CodeBuild compute type of the runner.",
        json_schema_extra={"enum": list(compute_types())},
    )
    image: ImageName = Field(default=DEFAULT_IMAGE, description="CodeBuild image of the runner.")
    build_timeout_minutes: int = Field(
        default=60, ge=5, le=2160, description="Longest a runner job may run."
    )
    queued_timeout_minutes: int = Field(
        default=60, ge=5, le=480, description="Longest a runner job may wait for capacity."
    )

    @field_validator("compute_type")
    @classmethod
    def _known_compute_type(cls, compute_type: str) -> str:
        if compute_type not in compute_types():
            raise ValueError(
                f"unknown compute type '{compute_type}' (CodeBuild offers: "
                f"{', '.join(compute_types())})"
            )
        return compute_type
