"""Questionnaire workbook speed: export and import of a full questionnaire, with baselines.

    .venv/bin/python benchmarks/spreadsheets.py

A draft with every question of ai-framework 2.0 answered (text answers 500 characters long),
on a migrated SQLite database. Figures are medians of 15 rounds:
- through the API (server time from `Server-Timing`): GET and POST …/questionnaire.xlsx, each
  import changing the six text answers of a freshly exported workbook;
- the workbook alone: ours (styles, dropdowns, protection) against a bare openpyxl write-only
  workbook of the same cells; reading ours (read-only mode, zip checks, every cell planned)
  against openpyxl's default (editable) mode reading the same file.
Goals: export < 200 ms, import < 500 ms.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from service import migration
from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.assessments.schemas import AssessmentCreate
from service.auth import service as auth_service
from service.auth.permissions import Role
from service.clients import service as client_service
from service.clients.schemas import ClientCreate
from service.config import Settings
from service.main import create_app
from service.questionnaires.catalog import load_catalog
from service.questionnaires.schema import Question, QuestionType
from service.resources import definitions_dir
from service.spreadsheets import reading
from service.spreadsheets import service as spreadsheet_service
from service.spreadsheets.layout import ANSWER_HEADER, XLSX_MEDIA_TYPE, column_of
from service.spreadsheets.planning import plan_import
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate

ROOT = definitions_dir()
ROUNDS = 15
CHANGED = 6  # the text questions of ai-framework 2.0


def full_answers(questions: dict[str, Question]) -> dict[str, Any]:
    """A valid answer to every question."""
    text = ("The vendor describes this in plain words. " * 20)[:500]
    values: dict[QuestionType, Callable[[Question], Any]] = {
        QuestionType.SINGLE_CHOICE: lambda q: q.options[0].id,
        QuestionType.MULTIPLE_CHOICE: lambda q: [o.id for o in q.options[:2]],
        QuestionType.BOOLEAN: lambda q: True,
        QuestionType.NUMBER: lambda q: int(q.minimum or 0) + 1,
        QuestionType.TEXT: lambda q: text[: q.text_limit],
        QuestionType.VERSION: lambda q: "2.4.1",
    }
    return {q.id: values[q.type](q) for q in questions.values()}


def setup(folder: Path) -> tuple[TestClient, str, str]:
    url = f"sqlite:///{folder / 'bench.db'}"
    migration.upgrade(url)
    catalog = load_catalog(ROOT)
    app = create_app(Settings(database_url=url, embedded_worker=False), catalog=catalog)
    questions = catalog.latest("ai-framework").questionnaire.questions  # type: ignore[union-attr]
    with app.state.session_factory.begin() as session:
        org = auth_service.get_or_create_organisation(session, "Bench Agency")
        created = auth_service.create_key(session, org, Role.ADMIN, "bench")
        principal = auth_service.principal_for_key(created.key)
        vendor = vendor_service.create_vendor(session, org.id, VendorCreate(name="OpenWeave AI"))
        client = client_service.create_client(
            session, catalog, org.id, ClientCreate(name="Northwind Retail")
        )
        draft = assessment_service.create_assessment(
            session,
            catalog,
            principal,
            AssessmentCreate(
                vendor_id=vendor.id, client_id=client.id, answers=full_answers(questions)
            ),
        )
        token, assessment_id = created.token, str(draft.id)
    return TestClient(app), token, assessment_id


def changed(content: bytes, round_number: int) -> bytes:
    """Every text answer typed over, different every round."""
    book = load_workbook(io.BytesIO(content))
    column = column_of(ANSWER_HEADER)
    for sheet in book.worksheets[1:-2]:
        for row in range(4, sheet.max_row + 1):
            cell = sheet.cell(row=row, column=column)
            value = cell.value
            if isinstance(value, str) and len(value) > 100 and ";" not in value:
                cell.value = f"Round {round_number}: {value[:150]}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def through_the_api(http: TestClient, token: str, assessment_id: str) -> tuple[float, float, int]:
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assessments/{assessment_id}/questionnaire.xlsx"
    exports, imports, size = [], [], 0
    for round_number in range(ROUNDS):
        got = http.get(url, headers=headers)
        assert got.status_code == 200, got.text
        exports.append(float(got.headers["server-timing"].split("dur=")[1]))
        size = len(got.content)
        filled = changed(got.content, round_number)
        sent = http.post(url, content=filled, headers={**headers, "content-type": XLSX_MEDIA_TYPE})
        assert sent.status_code == 200, sent.text
        assert len(sent.json()["changed"]) == CHANGED, sent.json()["changed"]
        imports.append(float(sent.headers["server-timing"].split("dur=")[1]))
    return statistics.median(exports), statistics.median(imports), size


def median_ms(action: Callable[[], object]) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in milliseconds (on a shared
    machine the CPU time says what the work costs, the wall time what a caller waits)."""
    wall, cpu = [], []
    for _ in range(ROUNDS):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def bare_write(rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Questions")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def default_mode_read(content: bytes) -> int:
    book = load_workbook(io.BytesIO(content))
    return sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))


def workbook_alone(http: TestClient) -> dict[str, tuple[float, float]]:
    app = http.app
    with app.state.session_factory() as session:  # type: ignore[attr-defined]
        draft = session.scalars(select(Assessment)).one()
        draft = assessment_service.get_assessment(session, draft.organisation_id, draft.id)
        questionnaire = assessment_service.questionnaire_for(draft)
        content = spreadsheet_service.export_questionnaire(draft)
        rows = [
            [q.id, q.label, q.type.value, str(draft.answers.get(q.id)), q.help]
            for q in questionnaire.questions.values()
        ]
        answers = dict(draft.answers)

        def ours_read() -> None:
            book = reading.read_workbook(content)
            assert book.identity is not None
            plan_import(questionnaire, book, book.identity, answers)

        return {
            "export": median_ms(lambda: spreadsheet_service.export_questionnaire(draft)),
            "bare write-only": median_ms(lambda: bare_write(rows)),
            "import": median_ms(ours_read),
            "default-mode read": median_ms(lambda: default_mode_read(content)),
        }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        http, token, assessment_id = setup(Path(folder))
        with http:
            export_ms, import_ms, size = through_the_api(http, token, assessment_id)
            alone = workbook_alone(http)
    print(f"Full questionnaire workbook ({size // 1024} KiB, every question answered)")
    print(f"API export (server time):  median {export_ms:.0f} ms   goal < 200 ms")
    print(f"API import (server time):  median {import_ms:.0f} ms   goal < 500 ms")
    for name, baseline, why in (
        ("export", "bare write-only", "bare openpyxl write-only, same cells"),
        ("import", "default-mode read", "openpyxl default mode, same file"),
    ):
        (wall, cpu), (base_wall, base_cpu) = alone[name], alone[baseline]
        print(
            f"{name.capitalize()} alone: ours {wall:.0f} ms (CPU {cpu:.0f} ms); {why}: "
            f"{base_wall:.0f} ms (CPU {base_cpu:.0f} ms); CPU ratio {cpu / base_cpu:.1f}x"
        )


if __name__ == "__main__":
    main()
