"""Report templates are compiled once per process, however many downloads start at once."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from jinja2 import Environment

from service.reporting import render


def test_a_burst_of_first_renders_compiles_the_template_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    render.environment.cache_clear()
    compiled: list[str | None] = []
    compile_ = Environment.compile

    def counted(self: Environment, source: Any, name: str | None = None, *args: Any) -> Any:
        compiled.append(name)
        return compile_(self, source, name, *args)

    monkeypatch.setattr(Environment, "compile", counted)
    start = threading.Barrier(8)

    def first_render(_: int) -> None:
        start.wait(30)
        # an empty context fails after compiling, which is all that is counted here
        with contextlib.suppress(Exception):
            render.render_html("vendor_answers.html.j2", {"c": None})

    try:
        with ThreadPoolExecutor(8) as threads:
            list(threads.map(first_render, range(8)))
        assert compiled.count("vendor_answers.html.j2") == 1
    finally:
        render.environment.cache_clear()
