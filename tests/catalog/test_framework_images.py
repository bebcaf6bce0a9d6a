"""Framework images come from the SageMaker SDK's published table, never typed by hand."""

from __future__ import annotations

import json
import re

from components import catalog
from components.catalog import generate_images


def test_framework_images_match_their_source() -> None:
    # Fails after an upgrade of sagemaker-core (or botocore) until
    # `python -m components.catalog.generate_images` is run and the result committed.
    assert generate_images.main(["--check"]) == 0
    committed = json.loads(generate_images.OUTPUT.read_text(encoding="utf-8"))
    assert committed == generate_images.build()


def test_known_images_resolve_per_region() -> None:
    # The SDK's documented URIs: XGBoost 1.7-1 and scikit-learn 1.2-1 in eu-west-1.
    assert (
        catalog.framework_image("xgboost", "1.7-1", "eu-west-1", "training")
        == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert (
        catalog.framework_image("sklearn", "1.2-1", "eu-west-1", "training")
        == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
    )
    assert catalog.framework_image("xgboost", "0.0-0", "eu-west-1", "training") is None


def test_every_image_uri_is_well_formed() -> None:
    uri = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/[a-z0-9-]+:[A-Za-z0-9.-]+$")
    for name, versions in catalog.frameworks().items():
        for version in versions:
            for region in catalog.regions():
                for scope in ("training", "inference"):
                    image = catalog.framework_image(name, version, region, scope)  # type: ignore[arg-type]
                    assert image is not None and uri.match(image), (name, version, region)


def test_training_types_are_priced_and_known_to_the_api() -> None:
    types = catalog.framework_table()["trainingInstanceTypes"]
    assert "ml.m5.xlarge" in types
    assert "ml.t2.medium" not in types  # hosting only: SageMaker training refuses it
    for name in types:
        assert catalog.hourly_price(name, "us-east-1", "sagemaker-processing")
