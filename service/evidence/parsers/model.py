"""Hugging Face model cards (`README.md` with YAML front matter) and model `config.json`.

The front matter is found with `huggingface_hub`'s own pattern and loaded with the bounded YAML
loader (the library's `yaml.safe_load` has no depth or alias limit), then read through
`huggingface_hub.ModelCardData`, so fields mean what they mean on the Hub.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from huggingface_hub import ModelCardData
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from service.evidence.facts import PICKLE_FORMATS, Fact, licence_option, line, weight_format
from service.evidence.limits import EvidenceLimit, Located, json_document, yaml_document


def model_card(text: str) -> Iterator[Fact]:
    match = REGEX_YAML_BLOCK.search(text)
    if match is None:
        raise EvidenceLimit(
            "no YAML front matter: a model card starts with metadata between two `---` lines"
        )
    offset = text[: match.start(2)].count("\n")
    try:
        document = yaml_document(match.group(2))
    except EvidenceLimit as exc:
        raise EvidenceLimit(f"the front matter is not usable YAML: {exc}") from exc
    if not isinstance(document.value, dict):
        raise EvidenceLimit("the front matter is not a YAML mapping of metadata fields")
    card = ModelCardData(ignore_metadata_errors=True, **_known_fields(document.value))
    yield from _card_facts(card, document, offset)
    yield from _named_files(text)


def _known_fields(data: dict[str, Any]) -> dict[str, Any]:
    # model-index is parsed into evaluation results we do not need; an odd one must not fail
    return {k: v for k, v in data.items() if k not in {"model-index", "eval_results"}}


def _at(document: Located, key: str, offset: int) -> str:
    number = document.line(f"/{key}")
    return line(number + offset if number else None)


def _card_facts(card: ModelCardData, document: Located, offset: int) -> Iterator[Fact]:
    licence = card.license
    if isinstance(licence, str) and licence:
        named = card.license_name if licence == "other" and card.license_name else licence
        option = licence_option(str(named))
        if option:
            yield Fact(
                "portability.weights_licence",
                option,
                _at(document, "license", offset),
                f"license: {named}",
            )
    bases = card.base_model
    for base in [bases] if isinstance(bases, str) else bases or []:
        if isinstance(base, str) and base:
            yield Fact(
                "product.base_models",
                base,
                _at(document, "base_model", offset),
                f"base_model: {base}",
            )
    library = card.library_name
    if isinstance(library, str) and library:
        where = _at(document, "library_name", offset)
        yield Fact(
            "hf.transformers_compatible",
            library == "transformers",
            where,
            f"library_name: {library}",
        )
    tags = card.tags if isinstance(card.tags, list) else []
    if "custom_code" in tags:
        yield Fact("hf.trust_remote_code", True, _at(document, "tags", offset), "tags: custom_code")
    for tag in tags:
        option = weight_format("x." + str(tag)) if tag in {"safetensors", "gguf", "onnx"} else None
        if option:
            yield Fact("hf.weight_formats", option, _at(document, "tags", offset), f"tags: {tag}")


_FILE_NAME = re.compile(r"[\w./-]+\.(?:safetensors|gguf|onnx|bin|pt|pth|ckpt|pkl|joblib|skops)\b")


def _named_files(text: str) -> Iterator[Fact]:
    """Weight files the card's text names (`model-00001-of-00002.safetensors`)."""
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        for name in _FILE_NAME.findall(raw):
            option = weight_format(name)
            if option and option not in seen:
                seen.add(option)
                note = " (pickle: runs code when loaded)" if option in PICKLE_FORMATS else ""
                yield Fact("hf.weight_formats", option, line(number), name + note)


def weight_files(text: str) -> Iterator[Fact]:
    """A repository's file list, one path a line: every weight format present."""
    facts = list(_named_files(text))
    if not facts and not text.strip():
        raise EvidenceLimit("the file list is empty")
    yield from facts


def model_config(text: str) -> Iterator[Fact]:
    data = json_document(text)
    if not isinstance(data, dict):
        raise EvidenceLimit("a model config.json is a JSON object; this is not one")
    if not any(k in data for k in ("model_type", "architectures", "transformers_version")):
        raise EvidenceLimit(
            "no model_type, architectures or transformers_version: not a model config.json"
        )
    auto_map = data.get("auto_map")
    if isinstance(auto_map, dict) and auto_map:
        classes = ", ".join(f"{k}: {v}" for k, v in list(auto_map.items())[:3])
        yield Fact("hf.trust_remote_code", True, "/auto_map", f"auto_map: {classes}")
    else:
        yield Fact("hf.trust_remote_code", False, "/", "no auto_map: standard Transformers classes")
    version = data.get("transformers_version")
    if isinstance(version, str):
        yield Fact(
            "hf.transformers_compatible",
            True,
            "/transformers_version",
            f"transformers_version: {version}",
        )
    elif isinstance(data.get("architectures"), list):
        yield Fact(
            "hf.transformers_compatible",
            True,
            "/architectures",
            f"architectures: {data['architectures'][:2]}",
        )
