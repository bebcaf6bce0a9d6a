"""Regenerate `taggable_types.py` from the installed pulumi-aws.

Run `python -m policy.gen_taggable_types`.

A resource type is taggable when its pulumi_aws class takes a `tags` argument. The list is
generated rather than imported at policy time because the policy pack runs in its own
virtualenv without pulumi-aws. Run this after upgrading pulumi-aws; a test fails when the
committed list no longer matches the installed package.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_INIT = re.compile(r"def _internal_init\(__self__,(.*?)\):", re.S)
_TOKEN = re.compile(r"super\(\w+, __self__\)\.__init__\(\s*'([^']+)'")
TARGET = Path(__file__).with_name("taggable_types.py")


def scan(package_dir: Path) -> list[str]:
    """Type tokens of every pulumi_aws resource class with a `tags` argument."""
    tokens: set[str] = set()
    for source in sorted(package_dir.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        for match in _INIT.finditer(text):
            token = _TOKEN.search(text, match.end())
            if token and re.search(r"\btags: ", match.group(1)):
                tokens.add(token.group(1))
    return sorted(tokens)


def render(tokens: list[str], version: str) -> str:
    lines = [
        f'"""Resource types whose pulumi-aws {version} class takes `tags`.',
        "",
        "Generated; do not edit.",
        "",
        "Regenerate with `python -m policy.gen_taggable_types` after upgrading pulumi-aws.",
        '"""',
        "",
        f'PULUMI_AWS_VERSION = "{version}"',
        "",
        "TAGGABLE_TYPES = frozenset(",
        "    {",
        *(f'        "{t}",' for t in tokens),
        "    }",
        ")",
        "",
    ]
    return "\n".join(lines)


def generate() -> str:
    from importlib.metadata import version

    import pulumi_aws

    return render(scan(Path(pulumi_aws.__file__).parent), version("pulumi_aws"))


if __name__ == "__main__":
    TARGET.write_text(generate(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
