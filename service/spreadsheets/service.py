"""The questionnaire workbook of an assessment: export it, and import a filled one.

An import is one change: the assessment's guards run first (If-Match revision, draft only),
every cell is checked, and only when every cell is valid are the answers saved through
`assessment_service.update_answers`, the JSON API's own path, at one new revision, with one
"imported" history entry next to the per-answer ones, all by the importing user.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.assessments import history as history_service
from service.assessments import listing as assessment_listing
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus, HistoryKind
from service.auth.principal import Principal
from service.errors import InvalidInput
from service.pagination import MAX_LIMIT, PageParams
from service.questionnaires.schema import Questionnaire
from service.scores import service as score_service
from service.spreadsheets import exports, reading, tables
from service.spreadsheets.identity import Identity
from service.spreadsheets.planning import Plan, plan_import
from service.spreadsheets.questionnaire_book import BookSource, questionnaire_workbook


@dataclass(frozen=True)
class Imported:
    changed: list[str]
    unchanged: int
    not_in_workbook: list[str]


def export_questionnaire(
    assessment: Assessment, *, blank: bool = False, answers: Mapping[str, object] | None = None
) -> bytes:
    """The workbook of an assessment's questionnaire, with its answers unless `blank`.

    `answers` replaces the assessment's current answers (the vendor's copy of what was
    submitted); they are also the baselines, so the copy imports again like any workbook.
    """
    questionnaire = assessment_service.questionnaire_for(assessment)
    chosen = assessment.answers if answers is None else answers
    shown: dict[str, object] = {} if blank else dict(chosen)
    source = BookSource(
        identity=identity_of(assessment, questionnaire, shown),
        questionnaire=questionnaire,
        title=assessment.title,
        vendor=assessment.vendor.name,
        client=assessment.client.name,
        answers=shown,
    )
    return questionnaire_workbook(source)


def identity_of(
    assessment: Assessment, questionnaire: Questionnaire, answers: dict[str, object]
) -> Identity:
    pinned = assessment.questionnaire
    return Identity(
        assessment_id=str(assessment.id),
        questionnaire=pinned.slug,
        version=pinned.version,
        content_hash=pinned.content_hash,
        revision=assessment.revision,
        baselines={q: answers.get(q) for q in questionnaire.questions},
    )


def filename(assessment: Assessment, *, blank: bool = False) -> str:
    kind = "questionnaire (blank)" if blank else "questionnaire"
    return f"{assessment.title} - {kind}.xlsx"


def import_questionnaire(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    content: bytes,
    expected: frozenset[int] | None,
) -> Imported:
    book = reading.read_workbook(content)
    identity = _belongs_here(book, assessment)
    # The JSON API's guards, with nothing to change yet: stale If-Match 412, locked 409.
    assessment_service.update_answers(session, principal, assessment, {}, expected)
    questionnaire = assessment_service.questionnaire_for(assessment)
    plan = plan_import(questionnaire, book, identity, assessment.answers)
    if plan.problems:
        raise _bad_cells(plan)
    before = assessment.revision
    assessment_service.update_answers(session, principal, assessment, plan.patch, None)
    if assessment.revision != before:
        history_service.record_history(
            session,
            assessment,
            principal,
            HistoryKind.IMPORTED,
            new={"answers": len(plan.patch), "source": "workbook"},
        )
        session.flush()
    return Imported(sorted(plan.patch), plan.unchanged, plan.not_in_workbook)


def _belongs_here(book: reading.ReadBook, assessment: Assessment) -> Identity:
    if book.identity is None:
        raise reading.refused(book.identity_problem or "The workbook is not from stackvet.")
    identity, pinned = book.identity, assessment.questionnaire
    if identity.assessment_id != str(assessment.id):
        raise reading.refused(
            f"This workbook belongs to another assessment ({identity.assessment_id}), not to "
            f"“{assessment.title}”. Upload it on its own assessment, or download this "
            "assessment's workbook."
        )
    if (identity.questionnaire, identity.version) != (pinned.slug, pinned.version) or (
        identity.content_hash != pinned.content_hash
    ):
        raise reading.refused(
            f"This workbook is for questionnaire {identity.questionnaire} "
            f"{identity.version}, but the assessment now uses {pinned.slug} {pinned.version} "
            "(it was moved to a newer version). Download the workbook again and copy your "
            "answers into it."
        )
    return identity


def _bad_cells(plan: Plan) -> InvalidInput:
    count = len(plan.problems)
    first = "; ".join(
        f"{p.sheet} {p.cell} ({p.question or 'no question id'}): {p.message}"
        for p in plan.problems[:3]
    )
    more = f" (and {count - 3} more)" if count > 3 else ""
    return InvalidInput(
        f"{count} cell{'s are' if count > 1 else ' is'} not valid, so nothing was saved: "
        f"{first}{more}. Correct them in the workbook and upload it again.",
        errors=[p.as_error() for p in plan.problems],
    )


EXPORT_CAP = 10_000
"""Rows in one list export; narrow the filters for more."""


@dataclass(frozen=True)
class ListFilters:
    vendor_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    status: AssessmentStatus | None = None
    external_id: str | None = None
    search: str | None = None


def assessment_list(
    session: Session, organisation_id: uuid.UUID, filters: ListFilters, fmt: str
) -> tables.Export:
    """The filtered assessment list, most recently changed first, as CSV or XLSX."""
    rows: list[assessment_listing.SummaryRow] = []
    cursor: str | None = None
    while len(rows) < EXPORT_CAP:
        page, cursor = assessment_listing.list_assessments(
            session,
            organisation_id,
            PageParams(limit=MAX_LIMIT, cursor=cursor),
            **vars(filters),
        )
        rows.extend(page)
        if cursor is None:
            break
    summaries = sorted(
        assessment_listing.summaries(rows[:EXPORT_CAP]), key=lambda s: s.updated_at, reverse=True
    )
    return tables.export(exports.assessments_table(summaries), "assessments", fmt)


def findings(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID, fmt: str
) -> tables.Export:
    """The latest score's findings, most severe first, as CSV or XLSX."""
    assessment = assessment_service.get_assessment(session, organisation_id, assessment_id)
    record = score_service.latest_score(session, assessment)
    score = score_service.read_score(record, with_paths=False)
    return tables.export(exports.findings_table(score), f"{assessment.title} - findings", fmt)
