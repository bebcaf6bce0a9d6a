"""Regenerate `framework_images.json`: SageMaker framework images per region.

    .venv/bin/python -m components.catalog.generate_images          # write
    .venv/bin/python -m components.catalog.generate_images --check  # exit 1 when stale

Source: the `image_uri_config/<framework>.json` files shipped in the `sagemaker-core`
distribution (AWS's SageMaker Python SDK core, pinned in constraints.txt), which record for
each framework version the image repository and the registry account of every region.
`make install` installs that distribution without its dependencies: only its data files are
read here, the package is never imported.

Training instance types: the `TrainingInstanceType` enum of botocore's SageMaker service model
(the API's own list), kept to the types the catalog knows and prices.

Tags follow the SDK's rule (`image_uris.retrieve`): the version, then the processor and the
Python version when the version lists them (`1.7-1`; `1.2-1-cpu-py3`). Only frameworks whose
tag that rule fully determines are admitted, and only the regions the catalog prices.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "framework_images.json"
DISTRIBUTION = "sagemaker-core"
# Framework -> its config file. Deep-learning frameworks (PyTorch, TensorFlow) add a
# container version to their tags that these files do not always record, so not yet here.
FRAMEWORKS = {"xgboost": "xgboost.json", "sklearn": "sklearn.json"}
SCOPES = ("training", "inference")


def _config_file(name: str) -> dict[str, Any]:
    files = importlib.metadata.files(DISTRIBUTION) or []
    for file in files:
        if str(file).endswith(f"image_uri_config/{name}"):
            data: dict[str, Any] = json.loads(Path(str(file.locate())).read_text("utf-8"))
            return data
    raise SystemExit(f"{DISTRIBUTION} ships no image_uri_config/{name}: run `make install`")


def _tag(version: str, entry: dict[str, Any]) -> str:
    processors = entry.get("processors") or []
    py_versions = entry.get("py_versions") or []
    parts = [version]
    if processors:
        parts.append("cpu" if "cpu" in processors else processors[0])
    if py_versions:
        parts.append(py_versions[-1])
    return "-".join(parts)


def _versions(config: dict[str, Any], regions: list[str]) -> dict[str, Any]:
    """Versions offered for both training and inference, with every catalog region."""
    result: dict[str, Any] = {}
    training = config["training"]["versions"]
    inference = config["inference"]["versions"]
    for version in sorted(set(training) & set(inference)):
        row: dict[str, Any] = {}
        for scope, entry in (("training", training[version]), ("inference", inference[version])):
            if "container_version" in entry or not all(r in entry["registries"] for r in regions):
                break
            row[scope] = {
                "repository": entry["repository"],
                "tag": _tag(version, entry),
                "registries": {r: entry["registries"][r] for r in regions},
            }
        else:
            result[version] = row
    return result


def training_instance_types(prices: dict[str, Any]) -> list[str]:
    """SageMaker training instance types (botocore's enum) that the catalog prices."""
    import botocore.session
    from botocore.model import StringShape

    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.shape_for("TrainingInstanceType")
    assert isinstance(shape, StringShape)
    enum = shape.enum
    return sorted(name for name in enum if name in prices["sagemakerHour"])


def build() -> dict[str, Any]:
    """The table as `framework_images.json` holds it."""
    prices = json.loads((HERE / "prices.json").read_text(encoding="utf-8"))
    regions = list(prices["regionMultipliers"])
    version = importlib.metadata.version(DISTRIBUTION)
    return {
        "source": f"{DISTRIBUTION} {version} sagemaker/core/image_uri_config/"
        + "{"
        + ",".join(FRAMEWORKS.values())
        + "}",
        "trainingTypesSource": f"botocore {importlib.metadata.version('botocore')} "
        "sagemaker service model, shape TrainingInstanceType",
        "generatedBy": "python -m components.catalog.generate_images",
        "trainingInstanceTypes": training_instance_types(prices),
        "frameworks": {
            name: _versions(_config_file(file), regions) for name, file in FRAMEWORKS.items()
        },
    }


def dump(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    options = parser.parse_args(argv)
    text = dump(build())
    if options.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.name} is stale: run python -m components.catalog.generate_images")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
