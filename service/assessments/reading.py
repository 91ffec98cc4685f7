"""The single-assessment reads, in one SQL statement each.

`service.get_assessment` loads an assessment for any use (a write locks it, a report needs the
client's environment questionnaire): one statement per relation. A read shows less: the vendor's
and client's names, the questionnaire's reference and the latest score's headline, all
many-to-one rows that join onto the assessment. The score read needs only the assessment's
tombstone and score pointer; the explained score is kept per process by record id
(`service/scores/bodies.py`), and only when it is not there does a second statement read the
record and the small rows naming its inputs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, joinedload, undefer_group

from service.assessments.models import Assessment
from service.clients.models import Client
from service.errors import NotFound
from service.scores.models import DETAIL, ScoreRecord
from service.tombstones.rules import live_or_gone
from service.vendors.models import Vendor


def read_assessment(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID
) -> Assessment:
    """What `GET /assessments/{id}` shows, in one statement; NotFound as `get_assessment`."""
    parameters = {"assessment_id": assessment_id, "organisation_id": organisation_id}
    found: Assessment = live_or_gone(
        session.scalar(_assessment_query(), parameters), "assessment", assessment_id
    )
    return found


@cache
def _assessment_query() -> Select[Assessment]:
    """Built once (with parameters): building it took a quarter of a millisecond a read."""
    return (
        select(Assessment)
        .options(
            joinedload(Assessment.vendor, innerjoin=True).load_only(
                Vendor.name, Vendor.external_id
            ),
            joinedload(Assessment.client, innerjoin=True).load_only(
                Client.name, Client.external_id
            ),
            joinedload(Assessment.questionnaire, innerjoin=True),
            joinedload(Assessment.latest_score),
        )
        .where(
            Assessment.id == bindparam("assessment_id"),
            Assessment.organisation_id == bindparam("organisation_id"),
        )
    )


def latest_score_id(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID
) -> uuid.UUID:
    """The id of a live assessment's latest score record, in one small statement; NotFound for
    a missing or deleted assessment, or one not scored yet."""
    parameters = {"assessment_id": assessment_id, "organisation_id": organisation_id}
    row = live_or_gone(
        session.execute(_score_pointer_query(), parameters).first(), "assessment", assessment_id
    )
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
def _score_pointer_query() -> Select[uuid.UUID, datetime | None, uuid.UUID | None]:
    return select(Assessment.id, Assessment.deleted_at, Assessment.latest_score_id).where(
        Assessment.id == bindparam("assessment_id"),
        Assessment.organisation_id == bindparam("organisation_id"),
    )


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
