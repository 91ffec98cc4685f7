"""The hand-written evidence fixtures, and hostile files built on the fly."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def alias_bomb() -> bytes:
    """Nine levels of nine aliases: a few hundred bytes that expand to 9**9 values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    return ("\n".join(lines) + "\n").encode()


def deep_yaml(depth: int = 5000) -> bytes:
    return ("a: " + "[" * depth + "]" * depth + "\n").encode()


def million_keys() -> bytes:
    return ("{" + ",".join(f'"k{i}":0' for i in range(1_000_000)) + "}").encode()


def many_keys_under_size(count: int = 250_000) -> bytes:
    """More keys than the JSON limit, in a file under the CycloneDX size limit."""
    body = ",".join(f'"{i:x}":0' for i in range(count))
    return ('{"bomFormat":"CycloneDX","specVersion":"1.6","x":{' + body + "}}").encode()


def card_with_toml_front_matter() -> bytes:
    return b'---\nlicense = "apache-2.0"\n[model]\nbase = "x"\n---\n# A card\n'


def binary_junk() -> bytes:
    return bytes((i * 131 + 7) % 256 for i in range(4096))
