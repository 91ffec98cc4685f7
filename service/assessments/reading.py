"""The single-assessment reads, in one SQL statement each.

`service.get_assessment` loads an assessment for any use (a write locks it, a report needs the
client's environment questionnaire): one statement per relation. A read shows less: a list
row's columns (the vendor's and client's names, the questionnaire's reference, the latest
score's headline, all many-to-one rows that join onto it) and the answers, read as plain
columns like a list page (`listing`), with no entity built. The score read needs only the
assessment's tombstone and score pointer; the explained score is kept per process by record id
(`service/scores/bodies.py`), and only when it is not there does a second statement read the
record and the small rows naming its inputs.
"""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, undefer_group

from service.assessments import listing
from service.assessments.models import Assessment
from service.catalog.service import pinned_questionnaire
from service.errors import NotFound
from service.plain_rows import PlainStatement
from service.questionnaires.answers import missing_required
from service.scores.models import DETAIL, ScoreRecord
from service.tombstones.rules import live_or_gone


def read_assessment(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID
) -> dict[str, Any]:
    """The `AssessmentRead` fields of `GET /assessments/{id}`, in the model's order, in one
    statement of plain columns (`_read_query`); NotFound as `get_assessment`. Progress is the
    stored counts, as list rows show it; the questionnaire is evaluated for the required
    questions still missing only when the stored count says there are some."""
    parameters = {"assessment_id": assessment_id, "organisation_id": organisation_id}
    rows = _read_query().rows(session, parameters)
    row = live_or_gone(rows[0] if rows else None, "assessment", assessment_id)
    approved_by, conditions, answers, questionnaire_id = row[listing.SUMMARY_WIDTH :]
    read = listing.fields(row)
    deleted = read.pop("deleted")  # a computed field: pydantic writes it last
    read["approved_by"] = approved_by
    read["conditions"] = list(conditions)
    read["answers"] = answers
    read["missing_required"] = []
    if row.progress_required_missing:
        questionnaire = pinned_questionnaire(session, questionnaire_id, row.content_hash)
        read["missing_required"] = [q.id for q in missing_required(questionnaire, answers)]
    read["deleted"] = deleted
    return read


def encode(read: dict[str, Any]) -> bytes:
    """`read_assessment`'s fields as the JSON FastAPI writes for the `AssessmentRead` model."""
    return listing.JSON.dump_json(read)


@cache
def _read_query() -> PlainStatement:
    """A list row's columns and the rest of `AssessmentRead`'s (built once, with parameters)."""
    query = listing.SUMMARIES.add_columns(
        Assessment.approved_by,
        Assessment.conditions,
        Assessment.answers,
        Assessment.questionnaire_id,
    ).where(
        Assessment.id == bindparam("assessment_id"),
        Assessment.organisation_id == bindparam("organisation_id"),
    )
    return PlainStatement(query)


def latest_score_id(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID
) -> uuid.UUID:
    """The id of a live assessment's latest score record, in one small statement; NotFound for
    a missing or deleted assessment, or one not scored yet."""
    parameters = {"assessment_id": assessment_id, "organisation_id": organisation_id}
    rows = _score_pointer_query().rows(session, parameters)
    row = live_or_gone(rows[0] if rows else None, "assessment", assessment_id)
    score_id: uuid.UUID | None = row[2]
    if score_id is None:
        raise NotFound(
            f"Assessment {assessment_id} has no score yet: it is scored when it is submitted."
        )
    return score_id


def read_score_record(session: Session, score_id: uuid.UUID) -> ScoreRecord:
    """A score record with everything an explained score shows, in one statement."""
    record: ScoreRecord | None = session.scalar(_score_record_query(), {"score_id": score_id})
    if record is None:  # deleted between the two statements: only a purge deletes records
        raise NotFound(f"There is no score {score_id}.")
    return record


@cache
def _score_pointer_query() -> PlainStatement:
    query = select(Assessment.id, Assessment.deleted_at, Assessment.latest_score_id).where(
        Assessment.id == bindparam("assessment_id"),
        Assessment.organisation_id == bindparam("organisation_id"),
    )
    return PlainStatement(query)


@cache
def _score_record_query() -> Select[ScoreRecord]:
    return (
        select(ScoreRecord)
        .options(
            undefer_group(DETAIL),
            joinedload(ScoreRecord.questionnaire),
            joinedload(ScoreRecord.environment_questionnaire),
            joinedload(ScoreRecord.rule_pack),
            joinedload(ScoreRecord.knowledge),
        )
        .where(ScoreRecord.id == bindparam("score_id"))
    )
