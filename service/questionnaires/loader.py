"""Read definition files safely and turn every mistake into a precise, located problem.

YAML is read with the safe loader, duplicate keys are refused (PyYAML silently keeps the last
one), and pydantic errors are translated to the item a person would look for: a question id, an
option id, a rule id, rather than a list index.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class DefinitionProblem:
    """One mistake in one definition file."""

    file: str
    item: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.item}: {self.message}"


class DefinitionError(Exception):
    """A definition file (or several) cannot be used; `problems` says exactly where and why."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file safely; syntax errors and duplicate keys become a DefinitionProblem."""
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([DefinitionProblem(path.name, "file", str(exc))]) from exc
    except yaml.YAMLError as exc:
        raise DefinitionError([DefinitionProblem(path.name, "file", _yaml_message(exc))]) from exc


def _yaml_message(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"{exc.problem}{where}" if exc.problem else str(exc)
    return str(exc)


def parse(model: type[T], data: Any, file: str) -> T:
    """Validate `data` as `model`, reporting every error by the item's id where it has one."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [
            DefinitionProblem(file, _item_path(data, err["loc"]), _message(err))
            for err in errors
            if not _is_consequence(err, errors)
        ]
        raise DefinitionError(_dedupe(problems)) from exc


def _is_consequence(err: Any, errors: Sequence[Any]) -> bool:
    """A 'too short' list whose items failed is a consequence of those failures, not news."""
    loc = tuple(err["loc"])
    return err["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
    )


def _message(err: Any) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    if err["type"] == "missing":
        return f"'{err['loc'][-1]}' is required"
    return message


def _item_path(data: Any, loc: Sequence[int | str]) -> str:
    """Describe a location such as ('sections', 2, 'questions', 0, 'label') readably."""
    parts: list[str] = []
    node = data
    for position, key in enumerate(loc):
        if _is_union_tag(loc, position):
            continue
        node = node[key] if _can_index(node, key) else None
        if isinstance(key, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            parts.append(f"'{node['id']}'")
        elif isinstance(key, int):
            parts.append(f"#{key + 1}")
        else:
            parts.append(key)
    return " > ".join(parts) or "document"


def _is_union_tag(loc: Sequence[int | str], position: int) -> bool:
    """Pydantic puts a condition's union tag ('all', 'not', 'leaf') into error locations."""
    key = loc[position]
    following = loc[position + 1] if position + 1 < len(loc) else None
    return key == "leaf" or (key in {"all", "any", "not"} and following == key)


def _can_index(node: Any, key: int | str) -> bool:
    if isinstance(node, dict):
        return key in node
    return isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)


def _dedupe(problems: Iterable[DefinitionProblem]) -> list[DefinitionProblem]:
    return list(dict.fromkeys(problems))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known name, or an empty string."""
    options = list(choices)
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if not close and len(name) >= 3:
        close = sorted(o for o in options if name in o)[:1]
    return f"; did you mean '{close[0]}'?" if close else ""


# Fields added to the definition formats after definitions were first published, with their
# defaults. Left at the default they are not part of the hash, so a published definition keeps
# the hash it was published with when the format grows.
_ADDED_FIELDS: dict[str, object] = {
    "suggest": True,
    "informational": None,
    "support": None,
    "security_floor_of": None,
    "no_shared_accelerator_with": None,
    "memory_shortfall": None,
    "mentions_any": None,
    "verdict_at_most": None,
    "root": None,
    "roots": {},
    "min_vendor_completeness": 0.0,
}


def content_hash(model: BaseModel) -> str:
    """A stable hash of a definition's meaning (not its formatting or comments)."""
    dumped = _without_added_defaults(model.model_dump(mode="json", by_alias=True))
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_added_defaults(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_added_defaults(item)
            for key, item in value.items()
            if not (key in _ADDED_FIELDS and item == _ADDED_FIELDS[key])
        }
    if isinstance(value, list):
        return [_without_added_defaults(item) for item in value]
    return value
