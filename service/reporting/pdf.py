"""HTML to PDF inside a render worker process (see `service.reporting.pool`).

Each worker parses the stylesheet and loads the bundled fonts once, then reuses them: that is
most of the difference between a cold WeasyPrint render and a warm one.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import os
import time
from collections.abc import Mapping
from functools import cache
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from service.reporting.render import REPORTS_DIR, STYLESHEET, RenderedPdf, RenderError, asset_path

logger = logging.getLogger(__name__)

# Without HarfBuzz's subsetter (libharfbuzz-subset0: in the image, but not on every developer
# machine) WeasyPrint subsets fonts with fontTools, which stamps each subset with the current
# time unless SOURCE_DATE_EPOCH is set: the same report rendered a second later would differ in
# its bytes. A fixed stamp keeps renders byte-identical either way (any fixed time will do; it
# is after 1980 because ZIP-writing tools that read the same variable reject earlier ones).
FONT_TIMESTAMP = "1577836800"  # 2020-01-01
os.environ.setdefault("SOURCE_DATE_EPOCH", FONT_TIMESTAMP)


Images = Mapping[str, tuple[bytes, str]]
"""Images handed to one render with its HTML, by the exact URL the HTML uses: (bytes, type)."""


class AssetFetcher(URLFetcher):  # type: ignore[misc]
    """Serves the bundled report assets and the images handed to this render (an agency's
    logo, sanitised when it was uploaded), and refuses every other URL (fails closed)."""

    def __init__(self, images: Images | None = None) -> None:
        super().__init__(timeout=1, allowed_protocols={"file"}, allow_redirects=False)
        self.images = dict(images or {})

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url in self.images:
            content, media_type = self.images[url]
            return URLFetcherResponse(url, content, {"Content-Type": media_type})
        path = asset_path(url)
        if path is None:
            logger.warning("report renderer refused to fetch %.200s", url)
            raise ValueError("reports only use their bundled assets")
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".ttf":
            media_type = "font/ttf"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})


@cache
def _fonts() -> FontConfiguration:
    return FontConfiguration()


@cache
def _stylesheet() -> CSS:
    return CSS(filename=str(STYLESHEET), url_fetcher=AssetFetcher(), font_config=_fonts())


def html_to_pdf(html: str, max_pages: int, images: Images | None = None) -> RenderedPdf:
    """Lay out and write the PDF; refuse documents longer than `max_pages`."""
    started = time.perf_counter()
    document = HTML(
        string=html, base_url=str(REPORTS_DIR) + "/", url_fetcher=AssetFetcher(images)
    ).render(stylesheets=[_stylesheet()], font_config=_fonts())
    pages = len(document.pages)
    if pages > max_pages:
        raise RenderError(f"the report would be {pages} pages long; the limit is {max_pages}")
    content = document.write_pdf()
    elapsed = round((time.perf_counter() - started) * 1000)
    return RenderedPdf(content=content, pages=pages, milliseconds=elapsed)


def warm_up() -> None:
    """Load fonts and the stylesheet before the first real report, then freeze what is
    loaded so that later collections do not scan it again."""
    html_to_pdf("<html><body><h1>stackvet</h1><p>warm-up</p></body></html>", max_pages=5)
    gc.collect()
    gc.freeze()
