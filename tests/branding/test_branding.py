"""Report branding: admins set it through the API, reports carry it, uploads are limited."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.api import Caller, assert_problem, problem_errors
from tests.builders import example
from tests.reporting.conftest import pdf_text

URL = "/api/v1/organisation/branding"


def png(width: int = 400, height: int = 120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (11, 110, 79)).save(out, format="PNG")
    return out.getvalue()


def bomb() -> bytes:
    """A tiny PNG whose header claims 30000 x 30000 pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def upload(caller: Caller, content: bytes, kind: str) -> object:
    return caller.put(f"{URL}/logo", content=content, headers={"Content-Type": kind})


def test_admins_brand_the_reports(
    admin: Caller, session: Session, catalog: Catalog, org: Organisation, library: Library
) -> None:
    response = admin.put(
        URL,
        json={
            "accent_colour": "#0B6E4F",
            "contact_name": "Dana Reyes",
            "contact_email": "dana.reyes@agency.example",
            "validity_months": 6,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["accent_colour"] == "#0b6e4f"
    logo = upload(admin, png(), "image/png")
    assert logo.status_code == 200, logo.text  # type: ignore[attr-defined]
    assert logo.json()["logo"]["media_type"] == "image/png"  # type: ignore[attr-defined]
    assessment = builders.assessment(
        session, catalog, org, answers=example("openweave.answers"), submitted=True, library=library
    )
    session.commit()
    report = admin.get(f"/api/v1/assessments/{assessment.id}/report.pdf")
    text = pdf_text(report.content)
    assert "Dana Reyes" in text
    assert "dana.reyes@agency.example" in text
    first = PdfReader(io.BytesIO(report.content)).pages[0]
    assert len(first.images) == 1  # the logo, and nothing fetched from elsewhere
    preview = admin.get(f"/api/v1/assessments/{assessment.id}/report.html")
    assert 'src="data:image/png;base64,' in preview.text
    assert "#0b6e4f" in preview.text
    stored = admin.get(f"{URL}/logo")
    assert stored.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(stored.content)).size == (400, 120)


def test_only_admins_change_branding(as_role: Callable[[Role], Caller]) -> None:
    for role in (Role.ACCOUNT_LEAD, Role.PROCUREMENT):
        caller = as_role(role)
        assert_problem(caller.put(URL, json={"contact_name": "X"}), 403, "forbidden")
        assert_problem(upload(caller, png(), "image/png"), 403, "forbidden")  # type: ignore[arg-type]
        assert caller.get(URL).status_code == 200


def test_bad_values_are_422_with_the_field(admin: Caller) -> None:
    response = admin.put(URL, json={"accent_colour": "red", "contact_email": "not an address"})
    body = assert_problem(response, 422, "invalid-input")
    fields = problem_errors(body, key="field")
    assert set(fields) == {"accent_colour", "contact_email"}


def big_png() -> bytes:
    noise = Image.effect_noise((380, 380), 100).convert("RGB")
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > 256 * 1024
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "kind", "status", "detail"),
    [
        (big_png, "image/png", 413, "the limit is 256 KB"),
        (lambda: b"GIF89a not a logo", "image/gif", 422, "'image/gif' is not a logo format"),
        (lambda: b"just text", "image/png", 422, "could not be read"),
        (png, "image/jpeg", 422, "not a JPEG image"),
        (bomb, "image/png", 422, "the limit is 4096 x 4096"),
        (
            lambda: b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
            "image/svg+xml",
            422,
            "may not have a DOCTYPE or entities",
        ),
        (lambda: b"<html><body>x</body></html>", "image/svg+xml", 422, "root element is not"),
        (lambda: b"<svg><g>", "image/svg+xml", 422, "The SVG could not be read"),
    ],
)
def test_logo_uploads_are_limited_and_nothing_is_stored_on_refusal(
    admin: Caller, make: Callable[[], bytes], kind: str, status: int, detail: str
) -> None:
    response = upload(admin, make(), kind)
    slug = "payload-too-large" if status == 413 else "invalid-input"
    assert_problem(response, status, slug, detail_contains=detail)  # type: ignore[arg-type]
    assert admin.get(URL).json()["logo"] is None
    assert_problem(admin.get(f"{URL}/logo"), 404, "not-found")


def test_svg_logos_are_rebuilt_without_scripts_links_or_styles(admin: Caller) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'viewBox="0 0 100 30" onload="alert(1)"><script>alert(2)</script>'
        b"<style>@import url(http://127.0.0.1:1/x.css);</style>"
        b'<image href="http://127.0.0.1:1/x.png"/><use xlink:href="file:///etc/passwd"/>'
        b'<rect width="100" height="30" fill="url(http://127.0.0.1:1/p)" style="fill:red"/>'
        b'<circle cx="15" cy="15" r="10" fill="#0b6e4f"/><text x="30" y="20">Agency</text></svg>'
    )
    assert upload(admin, svg, "image/svg+xml").status_code == 200  # type: ignore[attr-defined]
    stored = admin.get(f"{URL}/logo").content
    for gone in (
        b"onload",
        b"script",
        b"style",
        b"image",
        b"use",
        b"127.0.0.1",
        b"file:",
        b"alert",
    ):
        assert gone not in stored, gone
    for kept in (b'<circle cx="15" cy="15" r="10" fill="#0b6e4f"', b"Agency", b"viewBox"):
        assert kept in stored, kept
