"""Regenerate `instance_types.json`, the instance-type half of the catalog.

Run by hand after upgrading moto or cfn-lint, or after recording a price for a new family:

    .venv/bin/python -m components.catalog.generate

Sources (both are development dependencies; nothing here runs at import time or in a
deployment):

- specifications (vCPUs, memory, GPUs, local NVMe storage, architecture, EFA interfaces):
  moto's `moto/ec2/resources/instance_types.json.gz`, a recording of EC2
  DescribeInstanceTypes;
- per-region offerings of EC2 and of SageMaker hosting, processing and batch transform:
  cfn-lint's `cfnlint/data/schemas/extensions/aws_*/instancetype_enum.json`, generated
  by cfn-lint from the AWS pricing and service APIs (its `schemas/version.json` dates them);
- which families are admitted: the families below that have at least one hand-recorded
  price in `prices.json`. Only those families and the regions of `prices.json` are kept,
  so the file stays small enough to review.

`tests/catalog/test_catalog.py` regenerates the table in memory and fails when the
committed file differs, so an upgrade of either source cannot go unnoticed.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "instance_types.json"

# Families the platform is built and tested for: EKS AL2023 node groups (x86_64 and
# Graviton, NVIDIA GPUs) and SageMaker real-time/processing instances. A family is admitted
# only once it also has a recorded price.
PLATFORM_FAMILIES = (
    "t2", "t3", "t3a", "t4g",
    "m5", "m5a", "m6i", "m6a", "m6g", "m7i", "m7a", "m7g", "m8g",
    "c5", "c5a", "c6i", "c6a", "c6g", "c7i", "c7a", "c7g", "c8g",
    "r5", "r5a", "r6i", "r6a", "r6g", "r7i", "r7a", "r7g", "r8g",
    "g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "p5e", "p5en", "inf2",
)  # fmt: skip

SERVICES = {
    "ec2": "aws_ec2_instance",
    "sagemaker-hosting": "aws_sagemaker_hosting",
    "sagemaker-processing": "aws_sagemaker_processing",
    "sagemaker-transform": "aws_sagemaker_transform",
}


def _package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not installed: run `make install` (it is a dev dependency)")
    return Path(next(iter(spec.submodule_search_locations)))


def _family(name: str) -> str:
    return name.removeprefix("ml.").split(".", 1)[0]


def admitted_families(prices: dict[str, Any]) -> list[str]:
    """Platform families with at least one recorded EC2 or SageMaker price."""
    priced = {_family(name) for name in (*prices["ec2Hour"], *prices["sagemakerHour"])}
    unknown = priced - set(PLATFORM_FAMILIES)
    if unknown:
        raise SystemExit(f"prices.json prices families the platform does not list: {unknown}")
    return [family for family in PLATFORM_FAMILIES if family in priced]


def spec_row(described: dict[str, Any]) -> dict[str, Any]:
    """The catalog's fields of one DescribeInstanceTypes entry."""
    gpus = (described.get("GpuInfo") or {}).get("Gpus") or []
    storage = described.get("InstanceStorageInfo") or {}
    architectures = described["ProcessorInfo"]["SupportedArchitectures"]
    network = described.get("NetworkInfo") or {}
    return {
        "vcpus": described["VCpuInfo"]["DefaultVCpus"],
        "memoryMib": described["MemoryInfo"]["SizeInMiB"],
        "gpus": sum(g["Count"] for g in gpus),
        "gpuName": gpus[0]["Name"] if gpus else None,
        "gpuMemoryMib": (described.get("GpuInfo") or {}).get("TotalGpuMemoryInMiB", 0),
        # SageMaker rejects a volume KMS key on instances with local instance storage.
        "localNvme": bool(described.get("InstanceStorageSupported"))
        and storage.get("NvmeSupport", "required") != "unsupported",
        "architecture": "arm64" if "arm64" in architectures else "x86_64",
        # Elastic Fabric Adapter interfaces the type can attach (0: no EFA support).
        "efaInterfaces": (network.get("EfaInfo") or {}).get("MaximumEfaInterfaces", 0)
        if network.get("EfaSupported")
        else 0,
    }


def build() -> dict[str, Any]:
    """The table as `instance_types.json` holds it."""
    prices = json.loads((HERE / "prices.json").read_text(encoding="utf-8"))
    families = admitted_families(prices)
    regions = list(prices["regionMultipliers"])
    moto_dir, cfn_dir = _package_dir("moto"), _package_dir("cfnlint")
    with gzip.open(moto_dir / "ec2" / "resources" / "instance_types.json.gz", "rt") as handle:
        described = json.load(handle)
    types = {
        name: spec_row(entry)
        for name, entry in sorted(described.items())
        if _family(name) in families
    }
    offered: dict[str, dict[str, list[str]]] = {}
    schemas = cfn_dir / "data" / "schemas"
    for service, folder in SERVICES.items():
        enum = json.loads((schemas / "extensions" / folder / "instancetype_enum.json").read_text())
        offered[service] = {
            region: sorted(
                name
                for name in enum.get(region, {}).get("enum", [])
                if _family(name) in families and name.removeprefix("ml.") in types
            )
            for region in regions
        }
    schema_date = json.loads((schemas / "version.json").read_text())["schema_date"]
    return {
        "source": {
            "specifications": f"moto {importlib.metadata.version('moto')} "
            "moto/ec2/resources/instance_types.json.gz (EC2 DescribeInstanceTypes)",
            "offerings": f"cfn-lint {importlib.metadata.version('cfn-lint')} "
            "cfnlint/data/schemas/extensions/aws_*/instancetype_enum.json",
            "offeringsSchemaDate": schema_date,
            "generatedBy": "python -m components.catalog.generate",
        },
        "families": families,
        "regions": regions,
        "types": types,
        "offered": offered,
    }


def dump(table: dict[str, Any]) -> str:
    """JSON with one type or one region per line: small, and reviewable as a diff."""

    def block(mapping: dict[str, Any], indent: str) -> str:
        rows = [f"{indent}  {json.dumps(k)}: {json.dumps(v)}" for k, v in mapping.items()]
        return "{\n" + ",\n".join(rows) + f"\n{indent}}}"

    parts = []
    for key, value in table.items():
        if key == "types":
            text = block(value, "  ")
        elif key == "offered":
            inner = [f'    "{svc}": {block(regions, "    ")}' for svc, regions in value.items()]
            text = "{\n" + ",\n".join(inner) + "\n  }"
        else:
            text = json.dumps(value)
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> None:
    OUTPUT.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
