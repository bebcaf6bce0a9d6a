"""The config keys the providers the program uses accept, read from the installed SDKs.

A stack file may set provider settings (`aws:profile`, `kubernetes:context`, ...). A typo
there is silently ignored by Pulumi, so the stack-file check refuses keys the provider does
not define. The key lists come from the installed provider SDKs' own sources, read as text
(`ast`), so loading the config never imports a provider SDK and the lists follow upgrades.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

# Engine-level keys Pulumi itself reads from a stack's config.
PULUMI_KEYS = frozenset({"pulumi:tags", "pulumi:template", "pulumi:disable-default-providers"})


def _package_dir(package: str) -> Path | None:
    # find_spec on a top-level package locates it without running its __init__.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def aws_keys() -> frozenset[str] | None:
    """`aws:` keys, from `pulumi_aws/config/vars.py` (`__config__.get('<key>')`)."""
    root = _package_dir("pulumi_aws")
    if root is None:
        return None
    text = (root / "config" / "vars.py").read_text(encoding="utf-8")
    return frozenset(f"aws:{key}" for key in re.findall(r"__config__\.get\w*\('(\w+)'", text))


@cache
def kubernetes_keys() -> frozenset[str] | None:
    """`kubernetes:` keys, from the arguments of `pulumi_kubernetes.provider.ProviderArgs`."""
    root = _package_dir("pulumi_kubernetes")
    if root is None:
        return None
    tree = ast.parse((root / "provider.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "ProviderArgs":
            init = next(
                n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"
            )
            arguments = init.args.args + init.args.kwonlyargs
            names = [a.arg for a in arguments if not a.arg.startswith("_") and a.arg != "self"]
            return frozenset(f"kubernetes:{_camel(name)}" for name in names)
    return None


def known_provider_key(full_key: str) -> bool | None:
    """Whether a provider's config key exists; None when its SDK is not installed."""
    namespace = full_key.partition(":")[0]
    if namespace == "pulumi":
        return full_key in PULUMI_KEYS
    keys = {"aws": aws_keys, "kubernetes": kubernetes_keys}[namespace]()
    return None if keys is None else full_key in keys
