"""Bad registry sections are refused with one line naming the key path and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from infra.config import ConfigError, load_stack_file
from tests.helpers import BASE_STACK, write_stack


def _stack(registry: dict[str, Any]) -> dict[str, Any]:
    return {**BASE_STACK, "mlops-platform:registry": registry}


BAD_REGISTRIES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "duplicate model name",
        {"models": [{"name": "fraud"}, {"name": "churn"}, {"name": "fraud"}]},
        "registry.models[2].name",
        "duplicate name 'fraud' (already used by models[0])",
    ),
    (
        "duplicate image name",
        {"images": [{"name": "fraud-serving"}, {"name": "fraud-serving"}]},
        "registry.images[1].name",
        "duplicate name 'fraud-serving' (already used by images[0])",
    ),
    (
        "model name with upper case",
        {"models": [{"name": "FraudDetector"}]},
        "registry.models[0].name",
        "String should match pattern",
    ),
    (
        "consumer account too short",
        {"models": [{"name": "fraud", "consumerAccounts": ["12345"]}]},
        "registry.models[0].consumerAccounts[0]",
        "String should match pattern '^\\d{12}$'",
    ),
    (
        "consumer account as a number loses leading zeros",
        {"models": [{"name": "fraud", "consumerAccounts": [11122223333]}]},
        "registry.models[0].consumerAccounts[0]",
        "Input should be a valid string",
    ),
    (
        "consumer account listed twice",
        {"models": [{"name": "fraud", "consumerAccounts": ["111122223333", "111122223333"]}]},
        "registry.models[0].consumerAccounts[1]",
        "account 111122223333 is listed twice (first at [0])",
    ),
    (
        "image consumer listed twice",
        {"images": [{"name": "srv", "consumerAccounts": ["111122223333", "111122223333"]}]},
        "registry.images[0].consumerAccounts[1]",
        "listed twice",
    ),
    (
        "keep zero images",
        {"images": [{"name": "srv", "keepScratchImages": 0}]},
        "registry.images[0].keepScratchImages",
        "greater than or equal to 1",
    ),
    (
        "keep too many images",
        {"images": [{"name": "srv", "keepScratchImages": 5000}]},
        "registry.images[0].keepScratchImages",
        "less than or equal to 1000",
    ),
    (
        "the count over all tags is gone: it expired deployed images",
        {"images": [{"name": "srv", "keepLastImages": 30}]},
        "registry.images[0].keepLastImages",
        "unknown key",
    ),
    (
        "no scratch prefix would make every tag a scratch tag",
        {"images": [{"name": "srv", "scratchTagPrefixes": []}]},
        "registry.images[0].scratchTagPrefixes",
        "at least 1 item",
    ),
    (
        "scratch prefix with a character tags cannot have",
        {"images": [{"name": "srv", "scratchTagPrefixes": ["ci/"]}]},
        "registry.images[0].scratchTagPrefixes[0]",
        "String should match pattern",
    ),
    (
        "image shared with an account that reads no family",
        {"images": [{"name": "srv", "consumerAccounts": ["111122223333"]}]},
        "registry.images[0].consumerAccounts[0]",
        "account 111122223333 reads no model family served from image 'srv' "
        "(families: none: no endpoint uses this image)",
    ),
    (
        "unknown MLflow size",
        {"mlflow": {"enabled": True, "size": "XLarge"}},
        "registry.mlflow.size",
        "Input should be 'Small', 'Medium' or 'Large' (got \"XLarge\")",
    ),
    (
        "MLflow size in lower case",
        {"mlflow": {"enabled": True, "size": "small"}},
        "registry.mlflow.size",
        "Input should be 'Small', 'Medium' or 'Large'",
    ),
    (
        "MLflow version that is not a version",
        {"mlflow": {"enabled": True, "version": "latest"}},
        "registry.mlflow.version",
        "'latest' is not an MLflow version",
    ),
    (
        "maintenance window in the wrong format",
        {"mlflow": {"enabled": True, "weeklyMaintenanceWindowStart": "Sunday 03:30"}},
        "registry.mlflow.weeklyMaintenanceWindowStart",
        "is not a window start like 'Sun:03:30'",
    ),
    (
        "too many consumer accounts",
        {"models": [{"name": "fraud", "consumerAccounts": [f"{i:012d}" for i in range(21)]}]},
        "registry.models[0].consumerAccounts",
        "at most 20 items",
    ),
    (
        "typo in a key",
        {"models": [{"name": "fraud", "consumers": ["111122223333"]}]},
        "registry.models[0].consumers",
        "unknown key",
    ),
]


@pytest.mark.parametrize(
    ("registry", "path", "problem"),
    [case[1:] for case in BAD_REGISTRIES],
    ids=[case[0] for case in BAD_REGISTRIES],
)
def test_bad_registry_names_its_key_path(
    tmp_path: Path, registry: dict[str, Any], path: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, _stack(registry)))
    message = str(caught.value)
    assert caught.value.path == path, message
    assert problem in message
    assert "\n" not in message


def test_good_registry_validates(tmp_path: Path) -> None:
    config = load_stack_file(
        write_stack(
            tmp_path,
            _stack(
                {
                    "models": [{"name": "fraud", "consumerAccounts": ["111122223333"]}],
                    "images": [{"name": "fraud-serving", "keepScratchImages": 5}],
                    "mlflow": {
                        "enabled": True,
                        "size": "Medium",
                        "version": "2.16",
                        "weeklyMaintenanceWindowStart": "Tue:22:05",
                    },
                }
            ),
        )
    )
    assert config.registry.models[0].consumer_accounts == ["111122223333"]
    assert config.registry.images[0].keep_scratch_images == 5
    assert config.registry.images[0].scratch_tag_prefixes == ["ci-", "pr-", "dev-"]
    assert config.registry.mlflow.size == "Medium"


def test_cli_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_stack(tmp_path, _stack({"images": [{"name": "a-b"}, {"name": "a-b"}]}))
    assert main(["plan", "bad", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "registry.images[1].name: duplicate name 'a-b'" in err


def _served(registry: dict[str, Any]) -> dict[str, Any]:
    """A stack whose endpoint serves family `fraud` from image `fraud-serving`."""
    endpoint = {"name": "fraud", "model": "fraud", "image": "fraud-serving",
                "serverless": {"memoryMb": 2048}}  # fmt: skip
    return {**_stack(registry), "mlops-platform:serving": {"endpoints": [endpoint]}}


def test_family_consumers_may_pull_the_image_it_is_served_from(tmp_path: Path) -> None:
    config = load_stack_file(
        write_stack(
            tmp_path,
            _served(
                {
                    "models": [
                        {"name": "fraud", "consumerAccounts": ["111122223333", "444455556666"]},
                        {"name": "churn", "consumerAccounts": ["777788889999"]},
                    ],
                    "images": [
                        {"name": "fraud-serving", "consumerAccounts": ["444455556666"]},
                        {"name": "churn-serving"},
                    ],
                }
            ),
        )
    )
    pullers = config.registry.image_consumers(config.serving.families_by_image())
    # Derived from the families the endpoints serve; churn-serving serves no family here.
    assert pullers == {"fraud-serving": ["111122223333", "444455556666"], "churn-serving": []}


def test_image_shared_beyond_its_families_readers_is_refused(tmp_path: Path) -> None:
    registry = {
        "models": [{"name": "fraud", "consumerAccounts": ["111122223333"]}],
        "images": [{"name": "fraud-serving", "consumerAccounts": ["999988887777"]}],
    }
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, _served(registry)))
    assert caught.value.path == "registry.images[0].consumerAccounts[0]"
    assert "account 999988887777 reads no model family served from image 'fraud-serving' " in (
        str(caught.value)
    )
    assert "(families: fraud)" in str(caught.value)


def test_endpoint_image_must_be_in_the_registry(tmp_path: Path) -> None:
    stack = _served({"models": [{"name": "fraud"}], "images": [{"name": "other"}]})
    with pytest.raises(ConfigError) as caught:
        load_stack_file(write_stack(tmp_path, stack))
    assert caught.value.path == "serving.endpoints[0].image"
    assert "unknown image 'fraud-serving' (registry.images: other)" in str(caught.value)
