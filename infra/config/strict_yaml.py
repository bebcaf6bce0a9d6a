"""Reading a stack file's YAML strictly: what Pulumi would read, or one clear problem.

PyYAML's safe loader lets a duplicate key silently win (a prod file with a second
`environment: dev` would plan as dev, unprotected), decodes tags such as `!!binary` and
`!!set` into values no setting expects, and expands aliases without limit (a 1 KB "billion
laughs" file needs gigabytes). Stack files are small, plain documents, so this reader
refuses all of that before any value is used:

- the bytes must be UTF-8 text (a UTF-8 byte-order mark is accepted), at most 1 MiB;
- a mapping key may appear once at each level;
- only plain scalars, sequences and mappings: no explicit or implicit `binary`, `set`,
  `omap`, `pairs` or custom tags (dates stay the strings they are written as);
- aliases may repeat a value, but the document may not refer to itself and, with aliases
  expanded, holds at most `MAX_NODES` values.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
MAX_NODES = 50_000

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "seq", "map")
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class StackYamlError(ValueError):
    """A stack file this reader refuses; `str()` is one line (where, then what)."""


class _StrictLoader(_BASE_LOADER):  # type: ignore[valid-type,misc]
    """Safe loader that refuses duplicate keys; timestamps stay strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise StackYamlError(
                    f"{_where(key_node)}duplicate key '{_short(key)}' (first at line "
                    f"{seen[key].start_mark.line + 1}); each key may appear once"
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


# A date-looking value (2026-12-04) is the text written, not a datetime object.
_StrictLoader.add_constructor(_TIMESTAMP, _StrictLoader.construct_yaml_str)


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}: "


def _short(value: Any, limit: int = 40) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def decode(data: bytes) -> str:
    """The file's text; refuses anything but UTF-8 (UTF-16/32, binary, oversized)."""
    if len(data) > MAX_BYTES:
        raise StackYamlError(f"file is {len(data)} bytes; stack files are at most {MAX_BYTES}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise StackYamlError("not UTF-8 text (UTF-16/32 or binary); save the file as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StackYamlError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


def _check_nodes(root: yaml.Node) -> None:
    """Refuse self-reference, tags beyond plain data, and alias expansion past the bound."""
    count = 0
    # (node, ancestors on the path): a node among its own ancestors is a recursive alias.
    stack: list[tuple[yaml.Node, frozenset[int]]] = [(root, frozenset())]
    while stack:
        node, ancestors = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise StackYamlError(
                f"more than {MAX_NODES} values once aliases are expanded; "
                "stack files are small, plain documents"
            )
        if node.tag not in _PLAIN_TAGS and node.tag != _TIMESTAMP:
            raise StackYamlError(
                f"{_where(node)}tag '{_short(node.tag)}' is not allowed; "
                "use plain strings, numbers, booleans, lists and mappings"
            )
        if id(node) in ancestors:
            raise StackYamlError(f"{_where(node)}an alias refers to the value containing it")
        inner = ancestors | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, inner) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, inner), (value, inner)))


def load(text: str) -> Any:
    """The one YAML document in `text`, strictly (see the module docstring)."""
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_nodes(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()
