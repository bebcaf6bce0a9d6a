"""Schema rules that read the catalog: instance types per region, Kubernetes support dates.

Whether an instance type is usable depends on the stack's `aws:region`, and whether a
Kubernetes version is supported depends on the day: neither is part of the section being
validated. The root model publishes both for the duration of one validation (see
`validation_scope`); a section validated on its own (no region) still gets the checks that
need none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from components import catalog

_REGION: ContextVar[str | None] = ContextVar("mlops_config_region", default=None)
_TODAY: ContextVar[date | None] = ContextVar("mlops_config_today", default=None)

_SERVICE_NAMES = {
    "ec2": "EC2",
    "sagemaker-hosting": "SageMaker hosting",
    "sagemaker-processing": "SageMaker processing",
    "sagemaker-transform": "SageMaker batch transform",
}


@contextmanager
def validation_scope(region: object, today: date | None) -> Iterator[None]:
    """Make the stack's region and the validation day visible to section validators."""
    region_token = _REGION.set(region if isinstance(region, str) else None)
    today_token = _TODAY.set(today)
    try:
        yield
    finally:
        _REGION.reset(region_token)
        _TODAY.reset(today_token)


def validation_day() -> date:
    """The day support dates are judged on: injected by tests, otherwise today."""
    return _TODAY.get() or date.today()


def _suggest(name: str, region: str, service: str, what: str = "offered") -> str:
    offered = catalog.alternatives(name, region, service)
    return f"; {what} instead: {', '.join(offered)}" if offered else ""


def check_instance_type(name: str, service: str) -> catalog.InstanceSpec:
    """The spec of a usable instance type for `service`; raises ValueError saying why not.

    Usable means: in the catalog, offered by the service in the stack's region, and priced
    there (so the cost estimate never counts it as 0).
    """
    label = _SERVICE_NAMES[service]
    sagemaker = service != "ec2"
    if sagemaker and not name.startswith("ml."):
        raise ValueError(f"'{name}' is not a {label} instance type (those start with 'ml.')")
    if not sagemaker and name.startswith("ml."):
        raise ValueError(f"'{name}' is a SageMaker instance type; EC2 types have no 'ml.'")
    region = _REGION.get()
    if region not in catalog.regions():
        region = None  # the root model reports the region itself
    spec = catalog.instance_type(name)
    if spec is None:
        where = f" in {region}" if region else ""
        hint = _suggest(name, region, service) if region else ""
        raise ValueError(f"unknown {label} instance type '{name}'{where}{hint}")
    if region is None:
        return spec
    if not catalog.offered(name, region, service):
        raise ValueError(
            f"{name} is not offered for {label} in {region}{_suggest(name, region, service)}"
        )
    if catalog.hourly_price(name, region, service) is None:
        raise ValueError(
            f"{name} has no recorded {label} price for {region} (components/catalog/"
            f"prices.json), so its cost cannot be estimated"
            f"{_suggest(name, region, service, 'priced')}"
        )
    return spec


def efa_gpu_types() -> list[str]:
    """GPU EC2 types that attach EFA, offered in the stack's region when it is known."""
    region = _REGION.get()
    names = sorted(catalog.instance_table()["types"])
    specs = (catalog.instance_type(name) for name in names)
    return [
        s.name
        for s in specs
        if s and s.is_gpu and s.efa_interfaces
        and (region not in catalog.regions() or catalog.offered(s.name, region, "ec2"))
    ]  # fmt: skip


def _listing(versions: tuple[str, ...]) -> str:
    return ", ".join(versions) or "none"


def check_kubernetes_version(version: str) -> catalog.KubernetesVersion:
    """The calendar entry of a version EKS still supports today; raises ValueError."""
    day = validation_day()
    current = catalog.kubernetes_versions_on(day)
    entry = catalog.kubernetes_version(version)
    if entry is None:
        known = tuple(k.version for k in catalog.kubernetes_versions())
        raise ValueError(
            f"unknown Kubernetes version '{version}' (EKS versions: {_listing(known)}; quote "
            f'it in YAML, e.g. "{(current or known)[-1]}")'
        )
    if entry.support_on(day) == "ended":
        raise ValueError(
            f"Kubernetes {version} left EKS extended support on "
            f"{entry.extended_support_end.isoformat()} (validated on {day.isoformat()}); "
            f"use a version in standard support: {_listing(current)}"
        )
    return entry


def check_support_type(version: str, support_type: str) -> None:
    """Refuse STANDARD support for a version whose standard support has ended."""
    entry = catalog.kubernetes_version(version)
    day = validation_day()
    if entry is None or support_type != "STANDARD" or entry.support_on(day) == "standard":
        return
    standard = catalog.eks_hourly_price("standard")
    extended = catalog.eks_hourly_price("extended")
    raise ValueError(
        f"STANDARD support for Kubernetes {version} ended on "
        f"{entry.standard_support_end.isoformat()} (validated on {day.isoformat()}); upgrade "
        f"kubernetesVersion to {_listing(catalog.kubernetes_versions_on(day))} or set "
        f"supportType: EXTENDED (EKS bills {extended:.2f} instead of {standard:.2f} USD per "
        "cluster-hour)"
    )


def stack_region() -> str | None:
    """The stack's region during a validation, when the catalog supports it."""
    region = _REGION.get()
    return region if region in catalog.regions() else None
