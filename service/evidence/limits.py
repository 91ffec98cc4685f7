"""Loading YAML and JSON that a stranger wrote, within fixed limits.

PyYAML's safe loader builds no objects beyond plain data, but a file can still nest without
end or expand a few aliases into billions of nodes ("billion laughs"); `json` will happily build
a million keys. Every loader here counts as it goes and stops with `EvidenceLimit`, whose
message names the limit, so the file is kept with a clear error and nothing else is held up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_NODES = 200_000
MAX_JSON_KEYS = 200_000
MAX_DOCUMENTS = 200


class EvidenceLimit(ValueError):
    """The file goes past one of the limits; the message says which and by how much."""


def text_of(content: bytes) -> str:
    """The file as text: UTF-8 (a BOM allowed), no NUL bytes."""
    if b"\x00" in content[:8192]:
        raise EvidenceLimit("the file is binary (it contains NUL bytes), not a text file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvidenceLimit(
            f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"
        ) from exc


@dataclass
class Located:
    """A YAML document as plain data, with the line of every node by JSON pointer."""

    value: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, pointer: str) -> int | None:
        """The line of the pointer, or of its nearest parent that has one."""
        while pointer:
            if pointer in self.lines:
                return self.lines[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return self.lines.get("")


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting depth, aliases and nodes while it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.aliases = 0
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise EvidenceLimit(f"the YAML uses more than {MAX_ALIASES} aliases")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise EvidenceLimit(f"the YAML has more than {MAX_NODES:,} nodes")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise EvidenceLimit(f"the YAML is nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def yaml_documents(text: str) -> Iterator[Located]:
    """Each document of a YAML stream (Kubernetes files hold several), within the limits."""
    loader = _BoundedLoader(text)
    budget = _Budget()
    try:
        count = 0
        while loader.check_node():
            count += 1
            if count > MAX_DOCUMENTS:
                raise EvidenceLimit(f"the YAML has more than {MAX_DOCUMENTS} documents")
            node = loader.get_node()
            if node is not None:
                located = Located(None)
                located.value = _plain(loader, node, "", located.lines, budget)
                yield located
    except yaml.YAMLError as exc:
        raise EvidenceLimit(f"not valid YAML: {_yaml_reason(exc)}") from exc
    finally:
        loader.dispose()


def yaml_document(text: str) -> Located:
    """A single YAML document (an empty file is an empty mapping)."""
    documents = list(yaml_documents(text))
    if len(documents) > 1:
        raise EvidenceLimit("expected one YAML document, found several")
    return documents[0] if documents else Located({})


def _yaml_reason(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 1})" if mark is not None else str(problem)


class _Budget:
    """Nodes visited while turning the node graph into data: aliases share nodes, so a small
    graph can expand to a huge tree; the budget stops that expansion."""

    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise EvidenceLimit(
                f"the YAML expands to more than {MAX_NODES:,} values (an alias bomb?)"
            )


def _plain(
    loader: _BoundedLoader, node: yaml.Node, pointer: str, lines: dict[str, int], budget: _Budget
) -> Any:
    budget.spend()
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_plain(loader, key_node, pointer + "/#key", {}, budget))
            result[key] = _plain(loader, value_node, f"{pointer}/{escape(key)}", lines, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _plain(loader, item, f"{pointer}/{i}", lines, budget)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def escape(key: str) -> str:
    """One JSON pointer segment (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def json_document(text: str) -> Any:
    """JSON within the key and depth limits."""
    keys = 0

    def count(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal keys
        keys += len(pairs)
        if keys > MAX_JSON_KEYS:
            raise EvidenceLimit(f"the JSON has more than {MAX_JSON_KEYS:,} keys")
        return dict(pairs)

    try:
        value = json.loads(text, object_pairs_hook=count)
    except RecursionError as exc:
        raise EvidenceLimit("the JSON is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise EvidenceLimit(f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if _depth(value) > MAX_DEPTH:
        raise EvidenceLimit(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest
