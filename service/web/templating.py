"""Jinja2 rendering for the web pages: autoescaped templates and the security headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.messages import DONT_KNOW, expected

R = TypeVar("R", bound=Response)

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages show one organisation's data (or a vendor's private link): never cache them.
    "Cache-Control": "no-store",
}

_GOOD = {"current", "low", "recommended"}
_WARN = {"lagging", "moderate", "conditional", "insufficient_information"}
_BAD = {"outdated", "high", "not_recommended"}


def tone(value: str | None) -> str:
    """The colour family of a band or recommendation: good, warn, bad or neutral."""
    if value in _GOOD:
        return "good"
    if value in _WARN:
        return "warn"
    if value in _BAD:
        return "bad"
    return "neutral"


def words(value: object) -> str:
    """`not_recommended` -> `Not recommended`."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


@pass_context
def path_for(context: Context, name: str, **params: Any) -> str:
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(tone=tone, words=words, when=when, day=day)
    env.globals.update(path_for=path_for, UNKNOWN=UNKNOWN, DONT_KNOW=DONT_KNOW, expected=expected)
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    html = ENV.get_template(template).render(request=request, **(context or {}))
    response = HTMLResponse(html, status_code=status, headers=dict(headers or {}))
    secure(response)
    return response


def secure(response: R) -> R:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
