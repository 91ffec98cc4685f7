"""Reading PDFs in tests."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, with whitespace runs collapsed to single spaces."""
    reader = PdfReader(BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def page_count(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)
