"""Plan benchmarks: time and peak memory of the offline plan, scaling, and component overhead.

Measures, for the shipped dev / staging / prod stacks and a generated large config:

- cold plan time: wall time of `mlops-platform plan STACK --quiet` as a user runs it, and of
  `build_plan` in a fresh Python process (imports included, and the process's total wall
  time), median of N processes, with the process's peak RSS;
- warm plan time: median of N `build_plan` calls in this process after one warm-up, with
  the tracemalloc peak of one more call;
- scaling: the large config at several fractions of its size, to show time is linear in
  the number of resources;
- type check: wall time and peak RSS of `mypy` as `make lint` runs it, cold and warm;
- overhead: warm plan time divided by the time to register the same custom resources
  (types, names, inputs taken from the plan) directly under the same mocks, with no
  components, no config validation, no policy or cost pass.

Writes Markdown (default docs/BENCHMARKS.md) with the machine facts and the command line.
Run: `make bench` or `.venv/bin/python benchmarks/run.py --help`.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pulumi  # noqa: E402
import yaml  # noqa: E402

from infra.config.loader import PROJECT  # noqa: E402
from infra.plan import Plan, build_plan, record_resources  # noqa: E402

LARGE = {"endpoints": 100, "featureGroups": 200, "teams": 10}
DEFAULT_SCALES = (0.25, 0.5, 1.0)
TARGETS = {"prodColdSeconds": 3.0, "overheadRatio": 1.25}
# The address-space cap `make lint` runs mypy under (Makefile MYPY_MEMORY_KB).
MYPY_MEMORY_KB = 6_000_000


def large_config(scale: float = 1.0, region: str = "eu-west-1") -> dict[str, Any]:
    """A prod stack's `config:` mapping with 100 endpoints, 200 feature groups, 10 teams
    (times `scale`). The one place that knows the schema's field names for the big config."""
    endpoints = max(1, round(LARGE["endpoints"] * scale))
    groups = max(1, round(LARGE["featureGroups"] * scale))
    teams = max(1, round(LARGE["teams"] * scale))
    models = max(1, endpoints // 4)
    feature_groups = [
        {
            "name": f"fg-{i:03d}",
            "recordIdentifier": "entity_id",
            "eventTime": "event_time",
            "onlineStore": {"enabled": True, "ttlDays": 30} if i % 2 == 0 else {"enabled": False},
            "features": [
                {"name": "entity_id", "type": "String"},
                {"name": "event_time", "type": "String"},
                *({"name": f"f{j}", "type": "Fractional"} for j in range(6)),
            ],
        }
        for i in range(groups)
    ]
    return {
        "aws:region": region,
        f"{PROJECT}:environment": "prod",
        f"{PROJECT}:tags": {"owner": "ml-platform", "costCenter": "4711"},
        f"{PROJECT}:network": {"cidr": "10.50.0.0/16", "azCount": 3, "natGateways": "perAz"},
        f"{PROJECT}:featureStore": {"featureGroups": feature_groups},
        # Like prod: a private cluster API is deployed from a runner inside the VPC.
        f"{PROJECT}:ciAccess": {"githubRepository": "acme/mlops-platform"},
        f"{PROJECT}:ciRunners": {
            "connectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/"
            "0f5c1a2e-7b3d-4e8f-9a6b-2c4d6e8f0a1b"
        },
        f"{PROJECT}:training": {
            "nodeGroups": [
                {
                    "name": "system",
                    "kind": "system",
                    "instanceTypes": ["m6i.large"],
                    "min": 2,
                    "desired": 2,
                    "max": 4,
                },
                {
                    "name": "cpu",
                    "kind": "cpu",
                    "instanceTypes": ["m6i.2xlarge"],
                    "capacity": "spot",
                    "min": 0,
                    "desired": 0,
                    "max": 20,
                },
                {
                    "name": "gpu",
                    "kind": "gpu",
                    "instanceTypes": ["g5.2xlarge"],
                    "min": 0,
                    "desired": 0,
                    "max": 8,
                },
            ],
            "teams": [{"name": f"team-{i:02d}", "gpuQuota": 4} for i in range(teams)],
        },
        f"{PROJECT}:registry": {
            "models": [{"name": f"model-{i:03d}"} for i in range(models)],
            "images": [{"name": f"image-{i:03d}"} for i in range(models)],
        },
        f"{PROJECT}:serving": {
            "endpoints": [
                {
                    "name": f"ep-{i:03d}",
                    "model": f"model-{i % models:03d}",
                    "image": f"image-{i % models:03d}",
                    "modelPackageVersion": 1 + i // models,
                    "instanceType": "ml.c6i.xlarge",
                    "minInstances": 2,
                    "maxInstances": 4,
                    "dataCapturePercent": 10,
                    "rollout": "canary",
                }
                for i in range(endpoints)
            ]
        },
        f"{PROJECT}:monitoring": {"alertEmails": ["oncall@example.com"]},
    }


def write_large_stack(directory: Path, scale: float) -> Path:
    path = directory / f"Pulumi.large-{int(scale * 100)}.yaml"
    path.write_text(yaml.safe_dump({"config": large_config(scale)}, sort_keys=False), "utf-8")
    return path


# --- measurements -------------------------------------------------------------------------

_CHILD = """
import json, resource, sys, time, warnings
t0 = time.perf_counter()
warnings.filterwarnings("ignore")
sys.path.insert(0, {root!r})
from infra.plan import build_plan
t1 = time.perf_counter()
plan = build_plan({stack!r}, {path!r})
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "plan": t2 - t1, "resources": len(plan.resources),
    "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def cold_runs(stack: str, path: Path | None, runs: int) -> dict[str, Any]:
    """`runs` fresh interpreters, each importing the package and planning once."""
    samples = []
    for _ in range(runs):
        code = _CHILD.format(root=str(ROOT), stack=stack, path=str(path) if path else None)
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout
        wall = time.perf_counter() - started
        sample = json.loads(out.strip().splitlines()[-1])
        sample["wall"] = wall
        samples.append(sample)
    cli = [str(Path(sys.executable).with_name("mlops-platform")), "plan", stack, "--quiet"]
    if path:
        cli += ["--config", str(path)]
    cli_walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cli, check=True, capture_output=True, cwd=ROOT)
        cli_walls.append(time.perf_counter() - started)
    return {
        "cli": statistics.median(cli_walls),
        "wall": statistics.median(s["wall"] for s in samples),
        "import": statistics.median(s["import"] for s in samples),
        "plan": statistics.median(s["plan"] for s in samples),
        "maxRssMiB": max(s["maxRssMiB"] for s in samples),
        "runs": runs,
    }


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(median, minimum) wall seconds of `runs` calls after one warm-up, and the last result.

    On a shared machine the minimum is the better estimate of the work itself: other load
    only ever adds time. Ratios are taken between minimums."""
    result = fn()
    times = []
    for _ in range(runs):
        gc.collect()
        # As the CLI runs: without the cyclic collector, whose passes over the provider
        # SDKs' long-lived objects would otherwise land on whichever measurement is next.
        gc.disable()
        try:
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return statistics.median(times), min(times), result


def traced_peak_mib(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def resource_class(type_token: str) -> type[pulumi.CustomResource] | None:
    """The SDK class of a type token (`aws:ec2/vpc:Vpc` -> pulumi_aws.ec2.Vpc), if any."""
    if type_token.startswith("pulumi:providers:"):
        package, module, name = type_token.rsplit(":", 1)[-1], "", "Provider"
    else:
        match = re.match(r"^([\w-]+):([\w/.-]+):(\w+)$", type_token)
        if not match:
            return None
        package, module, name = match.groups()
        # pulumi-aws tokens name the source file after the slash; kubernetes the API version.
        if package == "kubernetes":
            # networking.k8s.io/v1 -> networking.v1, core/v1 -> core.v1
            group, version = module.split("/")
            module = f"{group.split('.')[0]}.{version}"
        else:
            module = module.split("/")[0]
    try:
        imported = importlib.import_module(
            f"pulumi_{package.replace('-', '_')}" + (f".{module}" if module else "")
        )
    except ImportError:
        imported = None
    found = getattr(imported, name, None)
    if not isinstance(found, type) and package == "kubernetes":
        # Custom resources (NodePool, ClusterQueue, ...) register through the generic class.
        from pulumi_kubernetes.apiextensions import CustomResource

        generic: type[pulumi.CustomResource] = CustomResource
        return generic
    return found if isinstance(found, type) else None


def register_raw(
    resources: list[dict[str, Any]],
    stack: str,
    region: str,
    typed: bool = True,
    verify: bool = False,
) -> dict[str, int]:
    """Register the plan's custom resources directly: no components, no config validation,
    no policy or cost pass. typed=True uses the SDK class of each type (as the program
    does); typed=False a generic CustomResource (the SDK's floor). verify=True also counts
    registrations whose inputs differ from the plan's (should be 0)."""
    custom = [r for r in resources if r["custom"]]
    generic = 0

    def program() -> None:
        nonlocal generic
        for r in custom:
            cls = resource_class(r["type"]) if typed else None
            if cls is not None:
                try:
                    cls(r["name"], **{_snake(k): v for k, v in r["inputs"].items()})
                    continue
                except TypeError:
                    pass
            generic += 1
            pulumi.CustomResource(r["type"], r["name"], dict(r["inputs"]))

    # The same isolated mock run the plan uses, so the two differ only in the program.
    registrations, _ = record_resources(program, stack, region)
    counts = {"registered": len(registrations), "generic": generic}
    if verify:
        planned = {(r["type"], r["name"]): r["inputs"] for r in custom}
        counts["mismatched"] = sum(
            1 for r in registrations if planned.get((r["type"], r["name"])) != r["inputs"]
        )
    return counts


def warm(stack: str, path: Path | None, runs: int, memory: bool = True) -> dict[str, Any]:
    plan: Plan
    seconds, best, plan = timed(lambda: build_plan(stack, path), runs)
    region = plan.config.region
    _, raw_best, registered = timed(lambda: register_raw(plan.resources, stack, region), runs)
    _, floor_best, _ = timed(lambda: register_raw(plan.resources, stack, region, typed=False), runs)
    return {
        "resources": len(plan.resources),
        "custom": sum(1 for r in plan.resources if r["custom"]),
        "registeredRaw": registered["registered"],
        "genericRaw": registered["generic"],
        "plan": seconds,
        "planMin": best,
        "raw": raw_best,
        "overhead": best / raw_best if raw_best else float("nan"),
        "floor": floor_best,
        "floorRatio": best / floor_best if floor_best else float("nan"),
        # tracemalloc slows the plan several-fold; a smoke run can leave it out.
        "peakMiB": traced_peak_mib(lambda: build_plan(stack, path)) if memory else float("nan"),
        "usd": plan.cost["monthlyUsd"],
        "phases": phases(stack, path, plan, runs),
    }


def phases(stack: str, path: Path | None, plan: Plan, runs: int) -> dict[str, float]:
    """Minimum seconds of each step `build_plan` takes, measured one at a time."""
    from infra import plan as plan_module
    from infra.config import load_stack_file, stack_file_path
    from infra.config.loader import read_stack_file
    from infra.costs import estimate_cost
    from infra.policy_check import evaluate_policies

    file = path or stack_file_path(stack)
    entries = plan_module.config_entries(read_stack_file(file)[1])
    steps: dict[str, Callable[[], Any]] = {
        "validate": lambda: load_stack_file(file),
        "configEntries": lambda: plan_module.config_entries(read_stack_file(file)[1]),
        "program": lambda: plan_module.run_program(stack, entries, plan.config.region),
        "policy": lambda: evaluate_policies(plan),
        "cost": lambda: estimate_cost(plan),
    }
    return {name: timed(step, runs)[1] for name, step in steps.items()}


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b x: (a, b, r squared)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if n < 2 or sxx == 0:
        return my, 0.0, float("nan")
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, 1 - ss_res / ss_tot if ss_tot else 1.0


# --- report -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    facts = {
        "nproc": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        total = next(line for line in meminfo if line.startswith("MemTotal"))
        facts["memory"] = f"{int(total.split()[1]) / 2**20:.1f} GiB"
        cpu = next(
            line for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line
        )
        facts["cpu"] = cpu.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    for package in ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pydantic", "mlops-platform"):
        try:
            facts[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            facts[package] = "not installed"
    return facts


def config_items(scale: float) -> int:
    """Endpoints + feature groups + teams in the large config at `scale`."""
    config = large_config(scale)
    return (
        len(config[f"{PROJECT}:serving"]["endpoints"])
        + len(config[f"{PROJECT}:featureStore"]["featureGroups"])
        + len(config[f"{PROJECT}:training"]["teams"])
    )


def render(results: dict[str, Any], command: str) -> str:
    facts = results["machine"]
    out = [
        "# Benchmarks",
        "",
        "How long the offline plan takes and how much memory it needs, for the shipped stacks "
        f"and a generated large config ({LARGE['endpoints']} endpoints, "
        f"{LARGE['featureGroups']} feature groups, {LARGE['teams']} teams; "
        "`large_config()` in `benchmarks/run.py`).",
        "",
        f"Measured {results['date']} with:",
        "",
        "```bash",
        command,
        "```",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in facts.items()),
        "",
        "## Shipped stacks and the large config",
        "",
        "- **cold**: `CLI s` is the wall time of `mlops-platform plan STACK --quiet` as a user "
        "runs it (what `make plan` runs, median of "
        f"{results['coldRuns']} runs); then a fresh `python` process imports the package and "
        "plans once (same count): `wall` is the whole process including interpreter "
        "teardown, which the CLI skips, `import` importing "
        "`infra.plan`, `plan` the `build_plan` call, `RSS` the process's peak "
        "(`getrusage` maxrss).",
        f"- **warm**: `build_plan` again in one process after a warm-up, {results['warmRuns']} "
        "runs, median and minimum, with the cyclic garbage collector off during each timed "
        "call (as in the CLI); `tracemalloc` is the traced peak of one more call.",
        "- **raw**: the plan's custom resources (same types, names and inputs) registered "
        "directly under the same mocks and monitor: `typed` with the SDK classes the program "
        "uses, `generic` as plain `CustomResource`s (the SDK's floor). No components, no "
        "config validation, no policy or cost pass. Minimum of the runs.",
        "- **overhead** = warm minimum / raw typed; **floor ratio** = warm minimum / raw "
        "generic. Minimums, because load from other processes only ever adds time.",
        "",
        "| stack | resources | CLI s | cold wall s | cold import s | cold plan s | RSS MiB | "
        "warm median s | warm min s | tracemalloc MiB | raw typed s | overhead | "
        "raw generic s | floor ratio | est. USD/month |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in results["stacks"].items():
        cold, hot = row.get("cold"), row["warm"]
        cold_cells = (
            f"{cold['cli']:.2f} | {cold['wall']:.2f} | {cold['import']:.2f} | "
            f"{cold['plan']:.2f} | {cold['maxRssMiB']:.0f}"
            if cold
            else "- | - | - | - | -"
        )
        out.append(
            f"| {name} | {hot['resources']} | {cold_cells} | {hot['plan']:.3f} | "
            f"{hot['planMin']:.3f} | {hot['peakMiB']:.1f} | {hot['raw']:.3f} | "
            f"{hot['overhead']:.2f}x | {hot['floor']:.3f} | {hot['floorRatio']:.2f}x | "
            f"{hot['usd']:,.2f} |"
        )
    out += [
        "",
        "## Where the warm plan time goes",
        "",
        "Each step of `build_plan` timed on its own (minimum of the runs): validating the "
        "stack file (YAML + pydantic), turning it into Pulumi config entries (YAML again), "
        "running the program under the mocks (which validates the config once more), the "
        "policy pass and the cost estimate.",
        "",
        "| stack | validate s | config entries s | program s | policy s | cost s | raw typed s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in results["stacks"].items():
        ph, hot = row["warm"]["phases"], row["warm"]
        out.append(
            f"| {name} | {ph['validate']:.3f} | {ph['configEntries']:.3f} | "
            f"{ph['program']:.3f} | {ph['policy']:.4f} | {ph['cost']:.4f} | {hot['raw']:.3f} |"
        )
    scaling = results["scaling"]
    if scaling:
        a, b, r2 = scaling_fit(scaling)
        out += [
            "",
            "## Scaling (large config at fractions of its size, warm)",
            "",
            "| scale | config items | resources | warm median s | warm min s | raw typed s | "
            "overhead | tracemalloc MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for p in scaling:
            out.append(
                f"| {p['scale']:.0%} | {p['configItems']} | {p['resources']} | "
                f"{p['plan']:.3f} | {p['planMin']:.3f} | {p['raw']:.3f} | "
                f"{p['overhead']:.2f}x | {p['peakMiB']:.1f} |"
            )
        out += [
            "",
            f"Least-squares fit of the warm minimum against config items (endpoints + feature "
            f"groups + teams): time = {a:.3f} s + {1000 * b:.3f} ms x items (R² = {r2:.4f}).",
        ]
    verdict = results.get("verdict") or []
    if verdict:
        out += ["", "## Targets", "", *(f"- {line}" for line in verdict)]
    if results.get("typecheck"):
        out += render_typecheck(results["typecheck"])
    if results.get("notes"):
        out += ["", "## Notes", "", *(f"- {n}" for n in results["notes"])]
    return "\n".join(out) + "\n"


def typecheck() -> dict[str, Any]:
    """`mypy` as `make lint` runs it (same cap): cold with an empty cache, then warm."""
    import resource

    def cap() -> None:
        limit = MYPY_MEMORY_KB * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "mypy.log"
        for label in ("cold", "warm"):
            start = time.perf_counter()
            with log.open("w") as sink:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "mypy", "--cache-dir", str(Path(tmp) / "cache")],
                    cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=cap,
                )  # fmt: skip
                # wait4 rather than wait: the child's own rusage, peak RSS included.
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
            lines = log.read_text(encoding="utf-8").strip().splitlines()
            runs[label] = {
                "seconds": time.perf_counter() - start,
                "peakMiB": usage.ru_maxrss / 1024,
                "result": lines[-1] if lines else f"exit {proc.returncode}",
            }
    return runs


def render_typecheck(runs: dict[str, Any]) -> list[str]:
    return [
        "",
        "## Type check",
        "",
        f"`mypy` as `make lint` runs it (configuration in pyproject.toml, under the "
        f"Makefile's {MYPY_MEMORY_KB / 1e6:g} GB address-space cap): **cold** with an empty "
        "cache, **warm** right after with that cache. The provider SDKs (pulumi_aws, "
        'pulumi_kubernetes) are skipped, not analysed: with `follow_imports = "normal"` '
        "instead the cold run took 186 s and 2.9 GB peak RSS (2026-12-05).",
        "",
        "| run | wall s | peak RSS MiB | result |",
        "|---|---:|---:|---|",
        *(
            f"| {label} | {r['seconds']:.2f} | {r['peakMiB']:.0f} | {r['result']} |"
            for label, r in runs.items()
        ),
    ]


def scaling_fit(scaling: list[dict[str, Any]]) -> tuple[float, float, float]:
    return linear_fit([float(p["configItems"]) for p in scaling], [p["planMin"] for p in scaling])


def notes(results: dict[str, Any], large_path: Path) -> list[str]:
    """Measured explanations worth reading next to the tables."""
    from infra.config import config_from_mapping

    lines = []
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) / 2:
        lines.append(
            f"Other processes were running (1-minute load average {load:.2f} at the end on "
            f"{os.cpu_count()} CPUs): medians move between runs, minimums are steadier, and "
            "ratios near 1 can come out below 1. Re-run on an idle machine for firm figures."
        )
    counts = {p["resources"] for p in results["scaling"]}
    if len(results["scaling"]) > 1 and len(counts) == 1:
        lines.append(
            f"The program registers the same {counts.pop()} resources at every scale: the "
            "sections the large config fills (featureStore, serving, training.teams) create "
            "no resources in this build, so the scaling rows measure config handling only."
        )
    text = large_path.read_text(encoding="utf-8")
    _, pure, document = timed(lambda: yaml.safe_load(text), 3)
    line = (
        f"Parsing the largest generated stack file ({len(text) / 1024:.0f} KiB) with "
        f"`yaml.safe_load` takes {pure:.3f} s"
    )
    if hasattr(yaml, "CSafeLoader"):
        _, fast, _ = timed(lambda: yaml.load(text, Loader=yaml.CSafeLoader), 3)
        line += f" ({fast:.3f} s with libyaml's `CSafeLoader`)"
    _, check, _ = timed(lambda: config_from_mapping(document["config"], "large"), 3)
    lines.append(
        line + f"; `build_plan` parses it once, with libyaml when PyYAML has it. "
        f"Validating the parsed config with pydantic takes {check:.3f} s."
    )
    return lines


def verdict(results: dict[str, Any]) -> list[str]:
    lines = []
    prod = results["stacks"].get("prod")
    if prod and prod.get("cold"):
        cold = prod["cold"]
        ok = cold["cli"] < TARGETS["prodColdSeconds"]
        lines.append(
            f"prod plan under {TARGETS['prodColdSeconds']:g} s (`mlops-platform plan prod`, "
            f"wall): {cold['cli']:.2f} s — {'met' if ok else 'NOT met'}"
        )
    ratios = {name: row["warm"]["overhead"] for name, row in results["stacks"].items()}
    if ratios:
        worst = max(ratios, key=lambda k: ratios[k])
        ok = ratios[worst] <= TARGETS["overheadRatio"]
        lines.append(
            f"overhead ratio <= {TARGETS['overheadRatio']:g}: worst {ratios[worst]:.2f}x "
            f"({worst}) — {'met' if ok else 'NOT met'}"
        )
    if len(results["scaling"]) >= 3:
        *_, r2 = scaling_fit(results["scaling"])
        lines.append(
            f"time linear in config size: R² = {r2:.4f} over {len(results['scaling'])} points"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs per measurement")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per stack")
    parser.add_argument("--stacks", nargs="*", default=["dev", "staging", "prod"])
    parser.add_argument(
        "--scales", nargs="*", type=float, default=list(DEFAULT_SCALES), help="large config"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write the raw results as JSON")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the (slow) traced peak-memory runs"
    )
    parser.add_argument("--no-typecheck", action="store_true", help="skip timing mypy")
    args = parser.parse_args(argv)

    import warnings

    warnings.filterwarnings("ignore")
    # The SDK leaves event loops of its executor threads unclosed; their __del__ noise on
    # stderr says nothing about the measurement.
    sys.unraisablehook = lambda _: None
    shown = " ".join(sys.argv[1:] if argv is None else argv)
    command = f"make bench  # = .venv/bin/python benchmarks/run.py {shown}".rstrip()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "coldRuns": args.cold_runs,
        "warmRuns": args.runs,
        "stacks": {},
        "scaling": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        plan_targets: list[tuple[str, str, Path | None]] = [(s, s, None) for s in args.stacks]
        if 1.0 in args.scales:
            plan_targets.append(("large", "large", write_large_stack(Path(tmp), 1.0)))
        for label, stack, path in plan_targets:
            print(f"benchmarking {label} ...", file=sys.stderr)
            row: dict[str, Any] = {"warm": warm(stack, path, args.runs, not args.no_memory)}
            if args.cold_runs > 0:
                row["cold"] = cold_runs(stack, path, args.cold_runs)
            results["stacks"][label] = row
        for scale in args.scales:
            print(f"scaling {scale:.0%} ...", file=sys.stderr)
            path = write_large_stack(Path(tmp), scale)
            if scale == 1.0 and "large" in results["stacks"]:
                hot = results["stacks"]["large"]["warm"]  # measured just above
            else:
                hot = warm("large", path, args.runs, not args.no_memory)
            results["scaling"].append({"scale": scale, "configItems": config_items(scale), **hot})
        results["notes"] = notes(results, write_large_stack(Path(tmp), max(args.scales or [1.0])))
    if not args.no_typecheck:
        print("type check ...", file=sys.stderr)
        results["typecheck"] = typecheck()
    results["verdict"] = verdict(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results, command), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
