"""Hostile uploads: malformed, oversized, zip bombs. A clear 4xx each, nothing stored."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from service.assessments.models import Assessment
from service.errors import PayloadTooLarge
from service.spreadsheets import reading
from tests.api import Caller, assert_problem
from tests.spreadsheets.conftest import START
from tests.spreadsheets.workbooks import XLSX, fill


def upload(caller: Caller, assessment: Assessment, content: bytes) -> Any:
    return caller.post(
        f"/api/v1/assessments/{assessment.id}/questionnaire.xlsx",
        content=content,
        headers={"content-type": XLSX},
    )


def unchanged(caller: Caller, assessment: Assessment) -> None:
    body = caller.get(f"/api/v1/assessments/{assessment.id}").json()
    assert body["answers"] == START
    assert body["revision"] == 1


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "not an Excel workbook"),
        (b"name,answer\nframework.primary,pytorch\n", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "password-protected"),
        (b"PK\x03\x04" + b"\x00" * 200, "damaged"),
        (zipped({"hello.txt": b"not a workbook"}), "could not be read as an Excel workbook"),
        (zipped({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<<<"}), "damaged"),
    ],
    ids=["empty", "csv", "xls-or-encrypted", "bad-zip", "zip-not-xlsx", "broken-xml"],
)
def test_a_malformed_file_is_a_clear_422(
    procurement: Caller, draft: Assessment, content: bytes, says: str
) -> None:
    body = assert_problem(upload(procurement, draft, content), 422, "invalid-input")
    assert says in body["detail"]
    assert body["errors"][0]["field"] == "workbook"
    unchanged(procurement, draft)


def test_a_truncated_workbook_is_refused(procurement: Caller, draft: Assessment) -> None:
    whole = procurement.get(f"/api/v1/assessments/{draft.id}/questionnaire.xlsx").content
    response = upload(procurement, draft, whole[: len(whole) // 2])
    assert_problem(response, 422, "invalid-input", detail_contains="damaged")
    unchanged(procurement, draft)


def test_an_oversized_upload_is_413(procurement: Caller, draft: Assessment) -> None:
    response = upload(procurement, draft, b"PK\x03\x04" + b"\0" * (reading.MAX_WORKBOOK_BYTES + 1))
    assert_problem(response, 413, "payload-too-large")
    unchanged(procurement, draft)


def test_a_zip_bomb_is_refused_before_it_is_opened(
    procurement: Caller, draft: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = procurement.get(f"/api/v1/assessments/{draft.id}/questionnaire.xlsx").content
    filled = fill(workbook, {"framework.primary": "JAX"})
    with zipfile.ZipFile(io.BytesIO(filled)) as original:
        parts = {info.filename: original.read(info) for info in original.infolist()}
    bomb = zipped({**parts, "xl/media/padding.bin": b"\0" * (reading.MAX_UNCOMPRESSED_BYTES + 1)})
    assert len(bomb) < 200_000  # small on the wire, 25 MiB unpacked
    opened: list[object] = []

    def load_workbook(*args: object, **kwargs: object) -> None:
        opened.append(args)

    monkeypatch.setattr(reading, "load_workbook", load_workbook)
    body = assert_problem(upload(procurement, draft, bomb), 413, "payload-too-large")
    assert "It was not opened" in body["detail"]
    assert opened == []
    unchanged(procurement, draft)


def test_a_high_ratio_entry_is_refused_even_under_the_total(draft: Assessment) -> None:
    bomb = zipped({"xl/worksheets/sheet1.xml": b"<a/>" + b" " * (5 * 1024 * 1024)})
    with pytest.raises(PayloadTooLarge, match="suspicious compression ratio"):
        reading.check_container(bomb)


def test_a_lying_zip_directory_cannot_unpack_more_than_it_declares() -> None:
    """zipfile stops at the declared size (and fails the CRC), so the check above is a bound."""
    honest = zipped({"a.xml": b"\0" * 100_000})
    with zipfile.ZipFile(io.BytesIO(honest)) as archive:
        info = archive.infolist()[0]
    offset = honest.index(b"PK\x01\x02")  # central directory: file_size at +24
    lying = bytearray(honest)
    lying[offset + 24 : offset + 28] = (1000).to_bytes(4, "little")
    with zipfile.ZipFile(io.BytesIO(bytes(lying))) as archive, pytest.raises(zipfile.BadZipFile):
        archive.read(info.filename)
