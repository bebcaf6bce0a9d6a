"""The catalog: complete, current with its sources, and readable without provider SDKs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import components
from components import catalog
from components.catalog import generate
from tests.stacks import stack_names

REPO = Path(__file__).resolve().parents[2]
CATALOG_DIR = REPO / "components" / "catalog"
SDKS = ("pulumi", "pulumi_aws", "pulumi_kubernetes", "pulumi_policy")


def test_schema_and_catalog_load_without_provider_sdks() -> None:
    # The policy pack and the stack-file schema read the catalog; neither may pay for (or
    # depend on) the provider SDKs.
    script = (
        "import sys\n"
        "import components.catalog\n"
        "import infra.config\n"
        "from infra.config import load_stack_file, stack_file_path\n"
        "from infra.commands.schema import stack_file_schema\n"
        f"for stack in {stack_names()!r}:\n"
        "    load_stack_file(stack_file_path(stack))\n"
        "stack_file_schema()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SDKS!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_catalog_imports_only_the_standard_library() -> None:
    source = (CATALOG_DIR / "__init__.py").read_text(encoding="utf-8")
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= set(sys.stdlib_module_names) | {"__future__"}


def test_components_exports_the_same_names_lazily() -> None:
    assert sorted(components.__all__) == sorted(components._EXPORTS)
    for name in components.__all__:
        assert getattr(components, name).__name__ == name
    with pytest.raises(AttributeError):
        _ = components.NoSuchComponent  # type: ignore[attr-defined]


def test_committed_table_matches_its_sources() -> None:
    # Fails after upgrading moto or cfn-lint, or editing prices.json, until
    # `python -m components.catalog.generate` is run and the result committed.
    committed = json.loads((CATALOG_DIR / "instance_types.json").read_text(encoding="utf-8"))
    assert committed == generate.build(), "run: python -m components.catalog.generate"


def test_tables_are_small_and_record_source_and_date() -> None:
    for name in ("instance_types.json", "prices.json", "kubernetes.json"):
        assert (CATALOG_DIR / name).stat().st_size < 300_000, name
    source = catalog.instance_table()["source"]
    assert "moto" in source["specifications"] and "cfn-lint" in source["offerings"]
    date.fromisoformat(source["offeringsSchemaDate"][:10])
    for table in (catalog.price_table(), catalog.kubernetes_table()):
        assert table["source"]
        date.fromisoformat(table["recorded"])


def _priced() -> list[tuple[str, str]]:
    """(name, price column's services) for every priced type."""
    table = catalog.price_table()
    return [(n, "ec2") for n in table["ec2Hour"]] + [
        (n, "sagemaker") for n in table["sagemakerHour"]
    ]


@pytest.mark.parametrize(("name", "column"), _priced(), ids=[n for n, _ in _priced()])
def test_every_priced_type_is_complete(name: str, column: str) -> None:
    spec = catalog.instance_type(name)
    assert spec is not None, f"{name} is priced but has no specification"
    assert spec.family in catalog.families()
    assert spec.vcpus > 0 and spec.memory_mib > 0
    assert name.startswith("ml.") == (column == "sagemaker")
    services = ["ec2"] if column == "ec2" else [s for s in catalog.SERVICES if s != "ec2"]
    offered_somewhere = False
    for service in services:
        for region in catalog.regions():
            if catalog.offered(name, region, service):
                offered_somewhere = True
                price = catalog.hourly_price(name, region, service)
                assert price is not None and price > 0, (name, region, service)
    assert offered_somewhere, f"{name} is priced but offered in no supported region"


def test_every_offered_type_has_a_specification_in_an_admitted_family() -> None:
    assert tuple(catalog.instance_table()["regions"]) == catalog.regions()
    for service in catalog.SERVICES:
        for region in catalog.regions():
            names = catalog.offered_types(region, service)
            assert names, (service, region)
            for name in names:
                spec = catalog.instance_type(name)
                assert spec is not None and spec.family in catalog.families(), name


def test_specifications_come_from_describe_instance_types() -> None:
    g5 = catalog.instance_type("ml.g5.xlarge")
    assert g5 == catalog.InstanceSpec(
        name="ml.g5.xlarge",
        family="g5",
        size="xlarge",
        vcpus=4,
        memory_mib=16384,
        gpus=1,
        gpu_name="A10G",
        gpu_memory_mib=22888,
        local_nvme=True,
        architecture="x86_64",
    )
    assert catalog.instance_type("p4d.24xlarge").gpus == 8  # type: ignore[union-attr]
    assert catalog.instance_type("m7g.large").architecture == "arm64"  # type: ignore[union-attr]
    assert catalog.instance_type("g5.3xlarge") is None
    assert catalog.instance_type("x9z.large") is None


def test_offerings_are_per_region_and_per_service() -> None:
    assert catalog.offered("g5.xlarge", "eu-west-1", "ec2")
    assert not catalog.offered("g6.2xlarge", "eu-west-1", "ec2")
    assert catalog.offered("g6.2xlarge", "us-east-1", "ec2")
    assert not catalog.offered("ml.m6i.large", "eu-west-1", "sagemaker-hosting")
    assert catalog.offered("ml.m6i.large", "eu-west-1", "sagemaker-processing")
    assert catalog.offered("ml.m5.xlarge", "eu-west-1", "sagemaker-processing")
    # SageMaker names carry the prefix, EC2 names do not.
    assert not catalog.offered("g5.xlarge", "eu-west-1", "sagemaker-hosting")
    assert not catalog.offered("g5.xlarge", "mars-east-1", "ec2")


def test_prices_are_per_region_and_unpriced_is_none_never_zero() -> None:
    base = catalog.hourly_price("m6i.large", "us-east-1", "ec2")
    eu = catalog.hourly_price("m6i.large", "eu-west-1", "ec2")
    assert base == 0.096
    assert eu == pytest.approx(0.096 * catalog.price_multiplier("eu-west-1"))  # type: ignore[operator]
    assert catalog.hourly_price("ml.m5.large", "eu-west-1", "sagemaker-processing") == (
        catalog.hourly_price("ml.m5.large", "eu-west-1", "sagemaker-hosting")
    )
    assert catalog.hourly_price("m6a.2xlarge", "us-east-1", "ec2") is None
    assert catalog.hourly_price("m6i.large", "mars-east-1", "ec2") is None
    assert catalog.hourly_price("m6i.large", "us-east-1", "lambda") is None


def test_volume_kms_key_is_refused_exactly_for_local_instance_storage() -> None:
    for name in ("ml.g5.xlarge", "ml.g4dn.xlarge", "ml.g6.2xlarge", "ml.p4d.24xlarge"):
        assert not catalog.supports_volume_kms(name), name
    for name in ("ml.m5.large", "ml.c6i.xlarge", "ml.inf2.xlarge", "ml.t2.medium"):
        assert catalog.supports_volume_kms(name), name
    # Unknown: keep the key; AWS then refuses loudly instead of encryption being dropped.
    assert catalog.supports_volume_kms("ml.x9z.large")


def test_alternatives_are_offered_priced_and_closest_first() -> None:
    assert catalog.alternatives("g6.2xlarge", "eu-west-1", "ec2")[:2] == (
        "g5.2xlarge",
        "g4dn.2xlarge",
    )
    assert catalog.alternatives("g5.3xlarge", "eu-west-1", "ec2")[0] == "g5.xlarge"
    hosting = catalog.alternatives("ml.m6i.large", "eu-west-1", "sagemaker-hosting")
    assert hosting[0] == "ml.m5.large" and len(hosting) == 5
    for name in hosting:
        assert catalog.offered(name, "eu-west-1", "sagemaker-hosting")
        assert catalog.hourly_price(name, "eu-west-1", "sagemaker-hosting") is not None


def test_kubernetes_calendar_is_ordered_with_a_matching_autoscaler_per_version() -> None:
    versions = catalog.kubernetes_versions()
    assert [v.version for v in versions] == sorted(
        (v.version for v in versions), key=lambda v: tuple(map(int, v.split(".")))
    )
    for entry in versions:
        assert entry.released < entry.standard_support_end < entry.extended_support_end
        minor = entry.version.split(".")[1]
        assert entry.cluster_autoscaler_image == (
            f"registry.k8s.io/autoscaling/cluster-autoscaler:v1.{minor}.0"
        )
        assert catalog.kubernetes_version(entry.version) is entry
    assert catalog.kubernetes_version("1.28") is None
    assert catalog.kubernetes_table()["source"] == "Amazon EKS Kubernetes release calendar"


def test_support_level_changes_on_the_end_dates() -> None:
    v134 = catalog.kubernetes_version("1.34")
    assert v134 is not None
    assert v134.standard_support_end == date(2026, 12, 2)
    assert v134.support_on(date(2026, 12, 1)) == "standard"
    assert v134.support_on(date(2026, 12, 2)) == "extended"
    assert v134.support_on(date(2027, 12, 1)) == "extended"
    assert v134.support_on(date(2027, 12, 2)) == "ended"
    assert catalog.kubernetes_versions_on(date(2026, 12, 4)) == ("1.35",)
    assert catalog.kubernetes_versions_on(date(2026, 12, 4), "extended") == (
        "1.32",
        "1.33",
        "1.34",
    )
    assert catalog.eks_hourly_price("standard") == 0.10
    assert catalog.eks_hourly_price("extended") == 0.60
    assert catalog.eks_hourly_price("ended") is None


def test_a_version_in_standard_support_exists_today() -> None:
    # The shipped stacks and the schema default need one; add the next release to
    # kubernetes.json before the newest one leaves standard support.
    newest = catalog.kubernetes_versions()[-1]
    assert newest.support_on(date.today()) == "standard"


def test_default_monitoring_instance_is_offered_for_processing_in_every_region() -> None:
    for region in catalog.regions():
        assert catalog.offered(
            catalog.MONITORING_JOB_INSTANCE_TYPE, region, "sagemaker-processing"
        ), region


def test_every_region_has_its_eks_add_on_image_registry() -> None:
    # The account differs between regions (eu-central-2 and ca-west-1 use their own), so a
    # region the catalog admits must name its registry rather than inherit another's.
    accounts = catalog.kubernetes_table()["eksImageRegistries"]["accounts"]
    assert tuple(accounts) == catalog.regions()
    for region, account in accounts.items():
        assert account.isdigit() and len(account) == 12, region
        assert catalog.eks_image_registry(region) == f"{account}.dkr.ecr.{region}.amazonaws.com"
    assert catalog.eks_image_registry("eu-central-2") is None
