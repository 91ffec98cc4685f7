"""Running the `stackvet` command in-process, with its settings from the environment."""

from __future__ import annotations

from typing import Protocol

from click.testing import Result


class Invoke(Protocol):
    def __call__(self, *args: str, **env: str) -> Result: ...
