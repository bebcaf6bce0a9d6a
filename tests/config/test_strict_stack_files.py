"""Stack files that YAML or Pulumi would accept silently end with one line and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main

HEAD = (
    "config:\n  aws:region: eu-west-1\n  mlops-platform:environment: dev\n"
    "  mlops-platform:tags: {owner: ml, costCenter: '1'}\n"
)
BOMB = "config:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdef", "bcdefg", strict=True)
)

CASES = [
    ("duplicate-key", (HEAD + "  mlops-platform:environment: prod\n").encode(),
     "line 5, column 3: duplicate key 'mlops-platform:environment' (first at line 3)"),
    ("not-utf8", HEAD.encode() + b"  mlops-platform:network: {cidr: \xff}\n",
     "not UTF-8 text (byte 0xff"),
    ("utf16", HEAD.encode("utf-16"), "not UTF-8 text (UTF-16/32 or binary)"),
    ("binary-tag", (HEAD + "  mlops-platform:x: !!binary aGVsbG8=\n").encode(),
     "tag 'tag:yaml.org,2002:binary' is not allowed"),
    ("set-tag", (HEAD + "  mlops-platform:x: !!set {a, b}\n").encode(),
     "tag 'tag:yaml.org,2002:set' is not allowed"),
    ("alias-bomb", BOMB.encode(), "more than 50000 values once aliases are expanded"),
    ("recursive-alias", b"config: &c\n  a: *c\n", "an alias refers to the value containing it"),
    ("empty-section", (HEAD + "  mlops-platform:ciAccess:\n").encode(),
     "mlops-platform:ciAccess: empty section"),
    ("unknown-aws-key", (HEAD + "  aws:regoin: eu-west-2\n").encode(),
     "aws:regoin: unknown aws provider setting"),
    ("unknown-k8s-key", (HEAD + "  kubernetes:contxt: x\n").encode(),
     "kubernetes:contxt: unknown kubernetes provider setting"),
    ("reserved-tag", HEAD.replace("costCenter: '1'", "costCenter: '1', extra: {stack: x}")
     .encode(), "tags.extra.stack: the platform sets this tag itself"),
    ("bad-tag-value", HEAD.replace("owner: ml", "owner: 'a$b'").encode(),
     "tags.owner: String should match pattern"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_bytes(data)
    assert main(["plan", "test", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert expected in err


def test_world_open_api_refused_in_dev(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Pulumi.open.yaml"
    path.write_text(
        HEAD + "  mlops-platform:training:\n    endpointPublicAccess: true\n"
        "    publicAccessCidrs: [0.0.0.0/0]\n"
        "    nodeGroups: [{name: system, kind: system, instanceTypes: [t3.large]}]\n",
        encoding="utf-8",
    )
    assert main(["plan", "test", "--config", str(path)]) == 2
    assert "opens the dev API endpoint to the internet" in capsys.readouterr().err
