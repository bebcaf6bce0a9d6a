"""Stack files that YAML or Pulumi would accept silently end with one line and exit 2.

Each case is the bytes of a whole file (encodings, tags, aliases and duplicate keys live
below the config model) and the exact line after `error: <file>: `.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main
from infra.config.strict_yaml import MAX_BYTES

HEAD = (
    "config:\n  aws:region: eu-west-1\n  mlops-platform:environment: dev\n"
    "  mlops-platform:tags: {owner: ml, costCenter: '1'}\n"
)
# Seven levels of ten: 10**7 values from a file of a few hundred bytes.
BOMB = "config:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdef", "bcdefg", strict=True)
)
# One level: a thousand-item list repeated 60 times is 60,000 values without any nesting.
WIDE_BOMB = (
    "config:\n  a: &a [" + ", ".join(["x"] * 1000) + "]\n  b: [" + ", ".join(["*a"] * 60) + "]\n"
)


def _extra_tags(text: str) -> bytes:
    return HEAD.replace("costCenter: '1'", f"costCenter: '1', extra: {{{text}}}").encode()


NOT_UTF8 = "not UTF-8 text (UTF-16/32 or binary); save the file as UTF-8"
ONLY_PLAIN = "is not allowed; use plain strings, numbers, booleans, lists and mappings"
EACH_ONCE = "each key may appear once"

CASES = [
    # Duplicate keys, at every depth: the last one would silently win.
    ("duplicate-key", (HEAD + "  mlops-platform:environment: prod\n").encode(),
     "line 5, column 3: duplicate key 'mlops-platform:environment' (first at line 3); "
     + EACH_ONCE),
    ("duplicate-top-level", b"config:\n  aws:region: eu-west-1\nconfig:\n  aws:region: us-east-1\n",
     f"line 3, column 1: duplicate key 'config' (first at line 1); {EACH_ONCE}"),
    ("duplicate-nested", (HEAD + "  mlops-platform:network: {cidr: 10.1.0.0/16, cidr: 10.2.0.0/16}"
     "\n").encode(), f"line 5, column 47: duplicate key 'cidr' (first at line 5); {EACH_ONCE}"),
    ("duplicate-in-list-item", (HEAD + "  mlops-platform:training:\n    nodeGroups:\n"
     "      - name: system\n        kind: system\n        name: other\n").encode(),
     f"line 9, column 9: duplicate key 'name' (first at line 7); {EACH_ONCE}"),
    ("duplicate-tag", _extra_tags("team: a, team: b"),
     f"line 4, column 70: duplicate key 'team' (first at line 4); {EACH_ONCE}"),
    # Encodings: only UTF-8 (Pulumi reads UTF-8; anything else is mojibake or a crash).
    ("not-utf8", HEAD.encode() + b"  mlops-platform:network: {cidr: \xff}\n",
     "not UTF-8 text (byte 0xff at offset 151); save the file as UTF-8"),
    ("latin-1", HEAD.replace("owner: ml", "owner: caf\xe9").encode("latin-1"),
     "not UTF-8 text (byte 0xe9 at offset 100); save the file as UTF-8"),
    ("utf16", HEAD.encode("utf-16"), NOT_UTF8),
    ("utf16-le-bom", b"\xff\xfe" + HEAD.encode("utf-16-le"), NOT_UTF8),
    ("utf16-be-bom", b"\xfe\xff" + HEAD.encode("utf-16-be"), NOT_UTF8),
    ("utf16-le-no-bom", HEAD.encode("utf-16-le"), NOT_UTF8),
    ("utf16-be-no-bom", HEAD.encode("utf-16-be"), NOT_UTF8),
    ("utf32", HEAD.encode("utf-32"), NOT_UTF8),
    ("nul-byte", HEAD.encode() + b"  mlops-platform:x: a\x00b\n", NOT_UTF8),
    ("oversized", (HEAD + "#" + "x" * MAX_BYTES + "\n").encode(),
     f"file is {len(HEAD) + MAX_BYTES + 2} bytes; stack files are at most {MAX_BYTES}"),
    # Tags: standard, custom and language-specific ones turn text into other values.
    ("binary-tag", (HEAD + "  mlops-platform:x: !!binary aGVsbG8=\n").encode(),
     f"line 5, column 21: tag 'tag:yaml.org,2002:binary' {ONLY_PLAIN}"),
    ("set-tag", (HEAD + "  mlops-platform:x: !!set {a, b}\n").encode(),
     f"line 5, column 21: tag 'tag:yaml.org,2002:set' {ONLY_PLAIN}"),
    ("omap-tag", (HEAD + "  mlops-platform:network: !!omap [{cidr: 10.1.0.0/16}]\n").encode(),
     f"line 5, column 27: tag 'tag:yaml.org,2002:omap' {ONLY_PLAIN}"),
    ("custom-tag", (HEAD + "  mlops-platform:network: !Ref network\n").encode(),
     f"line 5, column 27: tag '!Ref' {ONLY_PLAIN}"),
    ("python-tag", (HEAD + "  mlops-platform:network: !!python/object:os.system {}\n").encode(),
     f"line 5, column 27: tag 'tag:yaml.org,2002:python/object:os.sy...' {ONLY_PLAIN}"),
    ("nested-binary-tag", (HEAD + "  mlops-platform:network: {cidr: !!binary MTAuMS4wLjAvMTY=}\n")
     .encode(), f"line 5, column 34: tag 'tag:yaml.org,2002:binary' {ONLY_PLAIN}"),
    # Aliases: a value containing itself, or a small file expanding past the bound.
    ("recursive-alias", b"config: &c\n  a: *c\n",
     "line 1, column 9: an alias refers to the value containing it"),
    ("recursive-list-alias", b"config:\n  aws:region: eu-west-1\n  mlops-platform:x: &l [a, *l]\n",
     "line 3, column 21: an alias refers to the value containing it"),
    ("alias-bomb", BOMB.encode(),
     "more than 50000 values once aliases are expanded; stack files are small, plain documents"),
    ("wide-alias-bomb", WIDE_BOMB.encode(),
     "more than 50000 values once aliases are expanded; stack files are small, plain documents"),
    # Empty sections and values: `key:` alone reads as null, which silently means "default".
    ("empty-section", (HEAD + "  mlops-platform:ciAccess:\n").encode(),
     "mlops-platform:ciAccess: empty section: give it settings or remove the key"),
    ("empty-feature-store", (HEAD + "  mlops-platform:featureStore:\n").encode(),
     "mlops-platform:featureStore: empty section: give it settings or remove the key"),
    ("empty-provider-setting", (HEAD + "  aws:profile:\n").encode(),
     "aws:profile: empty value: give it a value or remove the key"),
    # Provider settings Pulumi would ignore.
    ("unknown-aws-key", (HEAD + "  aws:regoin: eu-west-2\n").encode(),
     "aws:regoin: unknown aws provider setting"),
    ("unknown-k8s-key", (HEAD + "  kubernetes:contxt: x\n").encode(),
     "kubernetes:contxt: unknown kubernetes provider setting"),
    ("unknown-pulumi-key", (HEAD + "  pulumi:tagz: {team: ml}\n").encode(),
     "pulumi:tagz: unknown pulumi provider setting"),
    # Tags: AWS's rules (characters, lengths, 50 per resource) and the platform's own keys.
    ("reserved-tag", _extra_tags("stack: x"),
     "tags.extra.stack: the platform sets this tag itself; choose another key"),
    ("reserved-environment-tag", _extra_tags("environment: prod"),
     "tags.extra.environment: the platform sets this tag itself; choose another key"),
    ("aws-prefixed-tag", _extra_tags("'AWS:team': x"),
     "tags.extra.AWS:team: tag keys starting with 'aws:' are reserved by AWS"),
    ("bad-tag-value", HEAD.replace("owner: ml", "owner: 'a$b'").encode(),
     "tags.owner: String should match pattern '^[\\w\\s.:/=+\\-@]*$' (got \"a$b\")"),
    ("bad-tag-key", _extra_tags("'a#b': v"),
     "tags.extra.a#b[key]: String should match pattern '^[\\w\\s.:/=+\\-@]*$' (got \"a#b\")"),
    ("long-tag-key", _extra_tags("k" * 129 + ": v"),
     f"tags.extra.{'k' * 37}...[key]: String should have at most 128 characters "
     f"(got \"{'k' * 56}...)"),
    ("long-tag-value", HEAD.replace("owner: ml", "owner: " + "o" * 257).encode(),
     f"tags.owner: String should have at most 256 characters (got \"{'o' * 56}...)"),
    ("too-many-tags", _extra_tags(", ".join(f"k{i}: v" for i in range(43))),
     "tags.extra: 43 extra tags; at most 42 (AWS allows 50 per resource and the platform sets 8)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program_never_runs: None,
    name: str, data: bytes, expected: str,
) -> None:  # fmt: skip
    path = tmp_path / f"Pulumi.{name}.yaml"
    path.write_bytes(data)
    assert main(["plan", "test", "--config", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path}: {expected}\n"


def test_at_most_42_extra_tags_are_accepted(tmp_path: Path) -> None:
    """The bound of too-many-tags is the real one: one tag fewer plans."""
    from infra.config import load_stack_file

    path = tmp_path / "Pulumi.tags.yaml"
    path.write_bytes(_extra_tags(", ".join(f"k{i}: v" for i in range(42))))
    assert len(load_stack_file(path).tags.extra) == 42
