"""Evidence parsing: how long each file takes, hostile files included, at the size limits.

    .venv/bin/python benchmarks/evidence.py

Prints the median of 3 runs per file, with the time `yaml.safe_load` / `json.loads` alone
take on the same legitimate file (the baseline: what the limits and line tracking cost).
A hostile file must end within a second, with its error.
"""

from __future__ import annotations

import functools
import json
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.evidence.kinds import EvidenceKind
from service.evidence.parse import parse
from tests.evidence import files


def median_ms(action: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def big_lock(target: int) -> bytes:
    entry = '[[package]]\nname = "pkg{i}"\nversion = "1.{i}.0"\ndescription = "x"\nfiles = []\n\n'
    text, i = "", 0
    while len(text) < target:
        text += entry.format(i=i)
        i += 1
    return text.encode()


def big_manifests(target: int) -> bytes:
    doc = (
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app{i}}}\nspec:\n"
        "  template:\n    spec:\n      containers:\n        - name: c\n"
        "          image: vllm/vllm-openai:v0.30.{i}\n          resources:\n"
        "            limits: {{nvidia.com/gpu: 1}}\n"
    )
    text, i = "", 0
    while len(text) < target and i < 190:
        text += doc.format(i=i)
        i += 1
    return text.encode()


def main() -> None:
    lock = big_lock(4 * 1024 * 1024 - 4096)
    manifests = big_manifests(1024 * 1024)
    cases: list[tuple[str, EvidenceKind, bytes]] = [
        ("poetry.lock at its 4 MiB limit", EvidenceKind.POETRY_LOCK, lock),
        ("manifests, 190 documents", EvidenceKind.KUBERNETES, manifests),
        ("CycloneDX ML-BOM fixture", EvidenceKind.CYCLONEDX, files.fixture("bom.cdx.json")),
        ("hostile: alias bomb (9 x 9 levels)", EvidenceKind.KUBERNETES, files.alias_bomb()),
        ("hostile: YAML nested 5,000 deep", EvidenceKind.HELM_VALUES, files.deep_yaml()),
        ("hostile: JSON with 10^6 keys", EvidenceKind.CYCLONEDX, files.million_keys()),
        ("hostile: JSON with 250,000 keys", EvidenceKind.CYCLONEDX, files.many_keys_under_size()),
        ("hostile: binary junk as config.json", EvidenceKind.MODEL_CONFIG, files.binary_junk()),
    ]
    print(f"{'file':42} {'size':>9} {'parse ms':>9}  result")
    for name, kind, content in cases:
        result = parse(kind, content)
        ms = median_ms(functools.partial(parse, kind, content))
        outcome = f"{len(result.facts)} facts" if result.error is None else result.error[:60]
        print(f"{name:42} {len(content):>9} {ms:>9.1f}  {outcome}")
    print("baselines on the same legitimate files:")
    toml_ms = median_ms(lambda: tomllib.loads(lock.decode()))
    print(f"  tomllib.loads(4 MiB lock)     {toml_ms:9.1f} ms")
    yaml_ms = median_ms(lambda: list(yaml.safe_load_all(manifests)))
    print(f"  yaml.safe_load_all(manifests) {yaml_ms:9.1f} ms")
    bom = files.fixture("bom.cdx.json").decode()
    print(f"  json.loads(ML-BOM)          {median_ms(lambda: json.loads(bom)):9.3f} ms")


if __name__ == "__main__":
    main()
