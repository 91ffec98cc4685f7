"""The questionnaire workbook over the API: export, fill with openpyxl, import, and back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.spreadsheets import layout
from tests import builders
from tests.api import Caller, assert_problem, caller
from tests.builders import example
from tests.spreadsheets.conftest import START
from tests.spreadsheets.workbooks import XLSX, answer_cell, fill, find_row, open_book, saved


def url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.id}/questionnaire.xlsx"


def export(caller: Caller, assessment: Assessment, **params: Any) -> bytes:
    response = caller.get(url(assessment), params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return response.content


def upload(caller: Caller, assessment: Assessment, content: bytes, **headers: str) -> Any:
    return caller.post(url(assessment), content=content, headers={"content-type": XLSX, **headers})


def history(caller: Caller, assessment: Assessment) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = caller.get(
        f"/api/v1/assessments/{assessment.id}/history"
    ).json()
    return entries


def answers(caller: Caller, assessment: Assessment) -> dict[str, Any]:
    found: dict[str, Any] = caller.get(f"/api/v1/assessments/{assessment.id}").json()["answers"]
    return found


def test_the_workbook_has_a_sheet_per_section_with_dropdowns(
    procurement: Caller, draft: Assessment
) -> None:
    book = open_book(export(procurement, draft))
    assert book.sheetnames[:3] == [
        "Read me",
        "Product and models",
        "Training framework and version",
    ]
    assert book[layout.META_SHEET].sheet_state == "hidden"
    assert book[layout.OPTIONS_SHEET].sheet_state == "hidden"
    assert book.security is not None
    assert book.security.lockStructure
    sheet, row = find_row(book, "framework.primary")
    headers = [c.value for c in sheet[layout.HEADER_ROW]]
    assert headers == [name for name, _ in layout.COLUMNS]
    cells = {h: sheet.cell(row=row, column=i).value for i, h in enumerate(headers, start=1)}
    assert (
        cells["Question"] == "Which machine learning framework are the models built and run with?"
    )
    assert cells["Answer type"] == "One choice (required)"
    assert cells["Your answer"] == "PyTorch"
    assert "Most new models" in str(cells["Help"])
    assert sheet.protection.sheet
    assert not sheet.cell(row=row, column=4).protection.locked
    assert sheet.cell(row=row, column=2).protection.locked
    dropdown = _validation_of(sheet, f"D{row}")
    assert dropdown.type == "list"
    assert dropdown.formula1.startswith(f"'{layout.OPTIONS_SHEET}'!")
    options = [c.value for c in book[layout.OPTIONS_SHEET]["A"]]
    assert "PyTorch" in options or any(v == "PyTorch" for v in _column_values(book))
    base_models, base_row = find_row(book, "product.base_models")
    note = base_models.cell(row=base_row, column=layout.column_of("Applies only when")).value
    assert note == (
        "Only when “Model source” includes “Open models fine-tuned by the vendor” or "
        "“Open models used as published”"
    )
    assert book[layout.META_SHEET]["B2"].value == str(draft.id)
    assert book[layout.META_SHEET]["B4"].value == "2.0"
    assert sheet.column_dimensions["B"].width == 46


def test_every_visible_sheet_prints_one_page_wide_with_its_headers(
    procurement: Caller, draft: Assessment
) -> None:
    """Without a page setup LibreOffice printed the questionnaire as 60 pages, one column each;
    set up like this, 9 pages across the full width (see README, Spreadsheets)."""
    book = open_book(export(procurement, draft))
    visible = [s for s in book.worksheets if s.sheet_state == "visible"]
    assert len(visible) == 1 + len(book.sheetnames) - 3  # read me and every section
    for sheet in visible:
        setup = sheet.sheet_properties.pageSetUpPr
        assert setup is not None
        assert setup.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.page_setup.orientation == "landscape"
    header = f"${layout.HEADER_ROW}:${layout.HEADER_ROW}"
    assert all(str(s.print_title_rows) == header for s in visible[1:])


def _validation_of(sheet: Worksheet, coordinate: str) -> Any:
    for validation in sheet.data_validations.dataValidation:
        if coordinate in str(validation.sqref):
            return validation
    raise AssertionError(f"no data validation on {coordinate}")


def _column_values(book: Any) -> list[Any]:
    return [c.value for column in book[layout.OPTIONS_SHEET].columns for c in column]


def test_a_blank_workbook_leaves_the_answers_out(procurement: Caller, draft: Assessment) -> None:
    book = open_book(export(procurement, draft, blank="true"))
    assert answer_cell(book, "framework.primary").value is None


GOOD = {
    "framework.primary": "JAX",  # a label from the dropdown
    "framework.version": "0.4.30",
    "hardware.min_gpu_memory_gb": 24,
    "product.model_types": (
        "Large language models (text generation and chat); Embedding or semantic search models"
    ),
    "product.base_models": "Qwen2.5 7B\nBGE-M3",
    "deployment.container_image": "Yes",
    "hf.model_swappable": "Don't know / won't say",
}


def test_a_filled_workbook_is_imported_as_one_change(
    procurement: Caller, draft: Assessment
) -> None:
    filled = fill(export(procurement, draft), GOOD)
    before = len(history(procurement, draft))
    response = upload(procurement, draft, filled, **{"If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert sorted(body["changed"]) == sorted(GOOD)
    assert body["not_in_workbook"] == []
    saved_answers = answers(procurement, draft)
    assert saved_answers["framework.primary"] == "jax"
    assert saved_answers["framework.version"] == "0.4.30"
    assert saved_answers["hardware.min_gpu_memory_gb"] == 24
    assert saved_answers["product.model_types"] == ["llm", "embeddings"]
    assert saved_answers["product.base_models"] == "Qwen2.5 7B\nBGE-M3"
    assert saved_answers["deployment.container_image"] is True
    assert saved_answers["hf.model_swappable"] == "unknown"
    new = history(procurement, draft)[before:]
    assert {e["revision"] for e in new} == {2}
    assert {e["actor"]["label"] for e in new} == {new[0]["actor"]["label"]}
    assert "procurement" in new[0]["actor"]["label"]
    kinds = [e["kind"] for e in new]
    assert kinds.count("imported") == 1
    assert kinds.count("answer") == len(GOOD)
    # Text typed in stackvet that looks like a formula is written as text, and comes back as is.
    formula = '=HYPERLINK("http://evil.example", "click")'
    procurement.patch(
        f"/api/v1/assessments/{draft.id}/answers",
        json={"answers": {"product.base_models": formula}},
    )
    again = open_book(export(procurement, draft))
    cell = answer_cell(again, "product.base_models")
    assert cell.data_type == "s"
    assert cell.value == formula
    assert upload(procurement, draft, saved(again)).json()["changed"] == []
    assert answers(procurement, draft)["product.base_models"] == formula


def test_every_bad_cell_is_listed_and_nothing_is_saved(
    procurement: Caller, draft: Assessment
) -> None:
    book = open_book(export(procurement, draft))
    answer_cell(book, "framework.primary").value = "PyTorch 3"  # typed past the dropdown
    answer_cell(book, "hardware.min_gpu_memory_gb").value = "lots"
    answer_cell(book, "maintenance.critical_cve_patch_days").value = 400
    answer_cell(book, "framework.version").value = "latest"
    answer_cell(book, "deployment.container_image").value = "=1+1"  # a formula
    answer_cell(book, "serving.stack").value = "vLLM"  # valid, but not saved either
    sheet, row = find_row(book, "hf.hub_repo")
    sheet.cell(row=row, column=1).value = "hf.hub_repos"  # an id edited by hand
    before = history(procurement, draft)
    response = upload(procurement, draft, saved(book))
    body = assert_problem(response, 422, "invalid-input", detail_contains="nothing was saved")
    by_question = {e["question"]: e for e in body["errors"]}
    assert set(by_question) == {
        "framework.primary",
        "hardware.min_gpu_memory_gb",
        "maintenance.critical_cve_patch_days",
        "framework.version",
        "deployment.container_image",
        "hf.hub_repos",
    }
    primary = by_question["framework.primary"]
    assert primary["sheet"] == "Training framework and version"
    _, primary_row = find_row(book, "framework.primary")
    assert primary["row"] == str(primary_row)
    assert primary["cell"] == f"D{primary_row}"
    assert "'PyTorch 3' is not an option" in primary["message"]
    assert "PyTorch 3" in primary["message"]
    assert "expected a number" in by_question["hardware.min_gpu_memory_gb"]["message"]
    assert "must be at most 365" in by_question["maintenance.critical_cve_patch_days"]["message"]
    assert "not a version number" in by_question["framework.version"]["message"]
    assert "formula" in by_question["deployment.container_image"]["message"]
    assert "did you mean 'hf.hub_repo'" in by_question["hf.hub_repos"]["message"]
    assert answers(procurement, draft) == START
    assert history(procurement, draft) == before


def test_a_deleted_row_leaves_its_answer_alone(procurement: Caller, draft: Assessment) -> None:
    book = open_book(export(procurement, draft))
    sheet, row = find_row(book, "framework.version")
    sheet.protection.sheet = False
    sheet.delete_rows(row)
    answer_cell(book, "framework.primary").value = "JAX"
    response = upload(procurement, draft, saved(book))
    assert response.status_code == 200, response.text
    assert response.json()["not_in_workbook"] == ["framework.version"]
    assert answers(procurement, draft) == {**START, "framework.primary": "jax"}


def test_an_emptied_cell_clears_the_answer(procurement: Caller, draft: Assessment) -> None:
    response = upload(
        procurement, draft, fill(export(procurement, draft), {"framework.version": None})
    )
    assert response.status_code == 200, response.text
    assert "framework.version" not in answers(procurement, draft)


def test_answers_given_in_stackvet_after_the_download_are_kept(
    procurement: Caller, draft: Assessment
) -> None:
    exported = export(procurement, draft)
    patched = procurement.patch(
        f"/api/v1/assessments/{draft.id}/answers",
        json={"answers": {"framework.version": "2.15.0", "serving.stack": "vllm"}},
    )
    assert patched.status_code == 200
    # The workbook still says 2.14.1 for the version: not a change, the newer answer stays.
    response = upload(procurement, draft, fill(exported, {"hf.model_swappable": "Yes"}))
    assert response.status_code == 200, response.text
    now = answers(procurement, draft)
    assert now["framework.version"] == "2.15.0"
    assert now["serving.stack"] == "vllm"
    assert now["hf.model_swappable"] is True
    # Changed in both places, differently: a conflict, listed like a bad cell.
    conflicting = upload(procurement, draft, fill(exported, {"serving.stack": "SGLang"}))
    body = assert_problem(conflicting, 422, "invalid-input")
    assert body["errors"][0]["question"] == "serving.stack"
    assert "was changed in stackvet to “vLLM”" in body["errors"][0]["message"]
    assert answers(procurement, draft)["serving.stack"] == "vllm"


def test_a_stale_if_match_or_a_locked_assessment_is_refused(
    procurement: Caller, make_draft: Callable[..., Assessment], draft: Assessment
) -> None:
    filled = fill(export(procurement, draft), GOOD)
    stale = upload(procurement, draft, filled, **{"If-Match": '"7"'})
    assert_problem(stale, 412, "precondition-failed")
    assert answers(procurement, draft) == START
    scored = make_draft(answers=_complete(), submitted=True)
    locked = upload(procurement, scored, fill(export(procurement, scored), GOOD))
    assert_problem(locked, 409, "conflict", detail_contains="locked")


def _complete() -> dict[str, Any]:
    return example("openweave.answers")


def test_a_workbook_of_another_assessment_is_refused(
    procurement: Caller, draft: Assessment, make_draft: Callable[..., Assessment]
) -> None:
    other = make_draft(answers={"framework.primary": "jax"})
    response = upload(procurement, draft, fill(export(procurement, other), GOOD))
    body = assert_problem(
        response, 422, "invalid-input", detail_contains="belongs to another assessment"
    )
    assert body["errors"][0]["field"] == "workbook"
    assert answers(procurement, draft) == START


def test_a_workbook_of_another_questionnaire_version_is_refused(
    procurement: Caller, make_draft: Callable[..., Assessment]
) -> None:
    old = make_draft(answers={"framework.primary": "pytorch"}, version="1.0")
    exported = export(procurement, old)
    assert procurement.post(f"/api/v1/assessments/{old.id}/upgrade").status_code == 200
    response = upload(procurement, old, fill(exported, {"framework.primary": "JAX"}))
    assert_problem(response, 422, "invalid-input", detail_contains="ai-framework 1.0")


def test_a_workbook_not_from_stackvet_or_tampered_with_is_refused(
    procurement: Caller, draft: Assessment
) -> None:
    plain = Workbook()
    plain.active["A1"] = "Question id"  # type: ignore[index]
    response = upload(procurement, draft, saved(plain))
    assert_problem(response, 422, "invalid-input", detail_contains="not downloaded from stackvet")
    book = open_book(export(procurement, draft))
    book[layout.META_SHEET]["B2"] = "00000000-0000-0000-0000-000000000000"
    tampered = upload(procurement, draft, saved(book))
    assert_problem(tampered, 422, "invalid-input", detail_contains="hidden stackvet sheet")
    assert answers(procurement, draft) == START


def test_roles_and_organisations(
    as_role: Callable[[Role], Caller],
    draft: Assessment,
    session: Session,
    http: Any,
) -> None:
    lead = as_role(Role.ACCOUNT_LEAD)
    content = export(lead, draft)
    assert_problem(upload(lead, draft, content), 403, "forbidden")
    stranger = caller(http, session, builders.organisation(session), Role.ADMIN)
    assert_problem(stranger.get(url(draft)), 404, "not-found")
    assert_problem(upload(stranger, draft, content), 404, "not-found")


def test_a_form_upload_is_told_to_send_the_file_itself(
    procurement: Caller, draft: Assessment, org: Organisation
) -> None:
    response = procurement.post(url(draft), files={"file": ("q.xlsx", b"PK", XLSX)})
    assert_problem(response, 422, "invalid-input", detail_contains="--data-binary")


def test_an_octet_stream_upload_is_read_the_same(procurement: Caller, draft: Assessment) -> None:
    filled = fill(export(procurement, draft), {"framework.primary": "JAX"})
    response = procurement.post(
        url(draft), content=filled, headers={"content-type": "application/octet-stream"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == ["framework.primary"]


def test_a_repeated_row_is_listed(procurement: Caller, draft: Assessment) -> None:
    book = open_book(export(procurement, draft))
    sheet, row = find_row(book, "hf.hub_repo")
    _, version_row = find_row(book, "framework.version")
    sheet.cell(row=row, column=1).value = "framework.version"
    sheet.cell(row=row, column=4).value = "not a version"
    body = assert_problem(upload(procurement, draft, saved(book)), 422, "invalid-input")
    [problem] = body["errors"]
    assert problem["sheet"] == "Hugging Face compatibility"
    assert problem["row"] == str(row)
    assert f"already on Training framework and version row {version_row}" in problem["message"]
    assert answers(procurement, draft) == START
