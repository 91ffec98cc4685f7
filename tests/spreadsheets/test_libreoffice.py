"""The questionnaire workbook as a vendor without Excel meets it: opened and saved again by
LibreOffice Calc (headless, Debian's package), then uploaded; and printed from it.

openpyxl wrote and read every other workbook test's file; a spreadsheet application rewrites
the whole file when it saves (its own shared strings, styles, number formats and validation
lists), so a reader that only ever saw openpyxl's files could refuse it or misread a cell.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from service.assessments.models import Assessment
from tests.api import Caller
from tests.spreadsheets.test_questionnaire_workbook import GOOD, answers, export, upload
from tests.spreadsheets.workbooks import fill
from tests.tools import unavailable

SECONDS = 180  # LibreOffice's first start on a busy 2-core machine


def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        unavailable(
            "LibreOffice (soffice) is not installed (Debian: libreoffice-calc-nogui)",
            "STACKVET_REQUIRE_LIBREOFFICE",
            "the LibreOffice round trip",
        )
    return found


def convert(source: Path, target: str, tmp_path: Path) -> Path:
    """`source` converted by LibreOffice to `target` ("xlsx" or "pdf"), with a profile of its
    own (two test processes may run LibreOffice at once)."""
    out = tmp_path / target
    command = [
        soffice(),
        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML" if target == "xlsx" else "pdf",
        "--outdir",
        str(out),
        str(source),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS, check=False)
    converted = out / f"{source.stem}.{target}"
    assert converted.exists(), f"LibreOffice wrote nothing: {done.stdout} {done.stderr}"
    return converted


def test_a_workbook_saved_by_libreoffice_calc_is_imported(
    procurement: Caller, draft: Assessment, tmp_path: Path
) -> None:
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(fill(export(procurement, draft), GOOD))
    resaved = convert(filled, "xlsx", tmp_path).read_bytes()
    assert resaved != filled.read_bytes()  # LibreOffice's own file, not ours

    response = upload(procurement, draft, resaved)
    assert response.status_code == 200, response.text
    assert sorted(response.json()["changed"]) == sorted(GOOD)
    saved = answers(procurement, draft)
    assert saved["framework.version"] == "0.4.30"  # still text, not a number
    assert saved["product.model_types"] == ["llm", "embeddings"]
    assert saved["hardware.min_gpu_memory_gb"] == 24
    assert saved["hf.model_swappable"] == "unknown"


def test_libreoffice_prints_the_questionnaire_a_page_wide(
    procurement: Caller, draft: Assessment, tmp_path: Path
) -> None:
    workbook = tmp_path / "questionnaire.xlsx"
    workbook.write_bytes(export(procurement, draft))
    pdf = PdfReader(convert(workbook, "pdf", tmp_path))
    assert len(pdf.pages) <= 12  # 60 pages of one column each without the page setup
    text = " ".join(page.extract_text() for page in pdf.pages)
    for header in ("Question id", "Your answer", "Allowed answers", "Applies only when", "Help"):
        assert header in text
    second = pdf.pages[1].extract_text()
    assert "Question id" in second
    assert "Your answer" in second, "a section's columns are side by side on its page"
