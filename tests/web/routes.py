"""The web app's routes, for tests that must cover every one of them."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_PAGES = ("/api/", "/problems/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi")


def page_routes(app: FastAPI, methods: frozenset[str]) -> list[tuple[str, str, str]]:
    """(route name, method, path template) of every web page route with one of `methods`."""
    return sorted(
        (str(route.name), method, str(route.path))
        for route in iter_route_contexts(app.routes)
        if route.methods and route.path and not route.path.startswith(NOT_PAGES)
        for method in route.methods & methods
    )


def fill(template: str, params: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: params[m.group(1)], template)
