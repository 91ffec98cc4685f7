"""Reports render text that vendors typed: nothing in it may reach the network or the disk.

A local HTTP server records every request. Each injection goes into answers and names; both
reports are rendered; the server must see no request, the PDF must embed no file, and the
injected markup must appear as literal text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from service.reporting import pdf
from service.reporting.pdf import AssetFetcher
from service.scoring.library import Library
from tests import builders
from tests.api import Caller
from tests.builders import example
from tests.reporting.conftest import pdf_text
from tests.repository import REPO_ROOT


class Recorder:
    def __init__(self) -> None:
        self.hits: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.hits.append(self.path)
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/redirected")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"fetched")

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.server.shutdown()


def injections(base: str) -> dict[str, str]:
    return {
        "img": f'<img src="{base}/img.png">',
        "file": '<img src="file:///etc/passwd">',
        "link": f'<link rel="attachment" href="{base}/attachment.txt">',
        "anchor": f'<a rel="attachment" href="{base}/anchor.txt">x</a>',
        "import": f'<style>@import url("{base}/import.css");</style>',
        "css": f'<div style="background:url({base}/inline.png)">x</div>',
        "svg": f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{base}/svg.png"/></svg>',
        "redirect": f'<img src="{base}/redirect">',
        "object": f'<object data="{base}/object"></object><iframe src="{base}/iframe"></iframe>',
    }


def squashed(text: str) -> str:
    return "".join(text.split())


def assert_safe(content: bytes, hits: list[str]) -> None:
    assert hits == [], f"the renderer fetched {hits}"
    assert PdfReader(BytesIO(content)).attachments == {}
    assert b"/EmbeddedFile" not in content
    assert b"/URI" not in content


def test_injections_in_answers_and_names_are_text_and_fetch_nothing(
    recorder: Recorder,
    procurement: Caller,
    session: Session,
    catalog: Catalog,
    org: Organisation,
    library: Library,
) -> None:
    payloads = injections(recorder.base)
    blob = " ".join(payloads.values())
    answers = {
        **example("monolith.answers"),
        "hardware.dedicated_server_spec": blob,
        "portability.exit_plan": True,
        "portability.exit_plan_details": blob,
    }
    client = builders.client(session, catalog, org, name=payloads["img"][:200])
    vendor = builders.vendor(session, org, name=f"Evil {payloads['svg']}"[:200])
    assessment = builders.assessment(
        session,
        catalog,
        org,
        vendor_row=vendor,
        client_row=client,
        answers=answers,
        submitted=True,
        library=library,
    )
    session.commit()
    report = procurement.get(f"/api/v1/assessments/{assessment.id}/report.pdf")
    comparison = procurement.get(f"/api/v1/clients/{client.id}/comparison.pdf")
    preview = procurement.get(f"/api/v1/assessments/{assessment.id}/report.html")
    for response in (report, comparison):
        assert response.status_code == 200
        assert_safe(response.content, recorder.hits)
    text = squashed(pdf_text(report.content))
    for payload in payloads.values():
        assert squashed(payload) in text, payload
    assert squashed(vendor.name) in squashed(pdf_text(comparison.content))
    assert payloads["img"] not in preview.text
    assert (
        "&lt;img src=&#34;" + recorder.base in preview.text or "&lt;img src=&quot;" in preview.text
    )


def test_the_renderer_fetches_nothing_even_from_raw_markup(recorder: Recorder) -> None:
    """The second wall: if markup ever slipped through escaping, the fetcher still refuses."""
    html = (
        "<html><body><h1>Raw</h1>" + "".join(injections(recorder.base).values()) + "</body></html>"
    )
    rendered = pdf.html_to_pdf(html, max_pages=5)
    assert_safe(rendered.content, recorder.hits)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x.png",
        "https://example.org/font.ttf",
        "file:///etc/passwd",
        f"file://{REPO_ROOT}/pyproject.toml",
        f"file://{REPO_ROOT}/reports/fonts/../../pyproject.toml",
        f"file://{REPO_ROOT}/reports/templates/assessment.html.j2",
        "data:text/css,body{background:red}",
        "ftp://example.org/x",
        "stackvet-logo:0123456789abcdef",
    ],
)
def test_the_fetcher_refuses_everything_but_bundled_assets(url: str) -> None:
    with pytest.raises(ValueError, match="only use their bundled assets"):
        AssetFetcher().fetch(url)


def test_the_fetcher_serves_bundled_assets() -> None:
    font = AssetFetcher().fetch(f"file://{REPO_ROOT}/reports/fonts/Lato-Regular.ttf")
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    css = AssetFetcher().fetch(f"file://{REPO_ROOT}/reports/css/report.css")
    assert b"@font-face" in css.read()


def test_the_fetcher_serves_the_images_handed_to_the_render_and_no_other() -> None:
    fetcher = AssetFetcher({"stackvet-logo:abc": (b"<svg/>", "image/svg+xml")})
    assert fetcher.fetch("stackvet-logo:abc").read() == b"<svg/>"
    with pytest.raises(ValueError, match="only use their bundled assets"):
        fetcher.fetch("stackvet-logo:abd")
