"""Templates to HTML (autoescaped), and HTML to PDF with WeasyPrint, fetching nothing outside.

The URL fetcher fails closed: it serves files from the report asset folders (`reports/css`,
`reports/fonts`) and refuses everything else: http(s), file URLs elsewhere on disk, data:
URLs, redirects. Vendor text is escaped, so it cannot add markup in the first place; the
fetcher is the second wall.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from service.resources import reports_dir

logger = logging.getLogger(__name__)

REPORTS_DIR = reports_dir()
TEMPLATES_DIR = REPORTS_DIR / "templates"
ASSET_DIRS = ("css", "fonts")
STYLESHEET = REPORTS_DIR / "css" / "report.css"


class RenderError(Exception):
    """The report could not be rendered (too many pages, or WeasyPrint failed)."""


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    milliseconds: int


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_loading = threading.Lock()


def render_html(template: str, context: dict[str, Any]) -> str:
    return _template(template).render(**context)


def _template(name: str) -> Template:
    """The compiled template, compiled once per process. Jinja caches what it compiled, but
    neither `environment()` nor a first `get_template` is guarded: in a burst of downloads
    after a start, every request thread compiled the report template at once (0.15 s each
    alone, over a second for eight), holding the API process's interpreter from the cheap
    requests beside them."""
    with _loading:
        return environment().get_template(name)


@cache
def template_version() -> str:
    """A hash of every template, stylesheet and font: any change gives new cache keys."""
    digest = hashlib.sha256()
    for path in sorted(p for p in REPORTS_DIR.rglob("*") if p.is_file()):
        if path.suffix in {".j2", ".css", ".ttf"}:
            digest.update(path.relative_to(REPORTS_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def asset_path(url: str) -> Path | None:
    """The bundled file a URL names, or None when it names anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
        return None
    path = Path(unquote(parts.path)).resolve()
    for folder in ASSET_DIRS:
        root = (REPORTS_DIR / folder).resolve()
        if path.is_relative_to(root) and path.is_file():
            return path
    return None
