"""Re-scoring every scored assessment after the rules or the knowledge base change.

New score records are appended; old ones stay. An assessment whose inputs (answers, client
environment, questionnaire, rule pack, knowledge base, engine) are unchanged since its latest
score is skipped, unless forced, because the same inputs give the same result.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from service.assessments.models import EDITABLE, Assessment, AssessmentHistory, HistoryKind
from service.auth.principal import ActorType
from service.clients.models import Client
from service.db import utcnow
from service.scores import service as score_service
from service.scores.models import ScoreRecord, ScoreTrigger
from service.scoring.library import Library
from service.webhooks import notify
from service.webhooks.events import EventType
from service.webhooks.models import EndpointState, WebhookEndpoint

BATCH = 500
ACTOR = "stackvet rescore"


@dataclass(frozen=True)
class Change:
    item: str
    """technical_currency, integration_risk or recommendation"""
    before: str
    after: str


@dataclass(frozen=True)
class AssessmentChanges:
    """One re-scored assessment whose bands or recommendation moved."""

    assessment_id: uuid.UUID
    title: str
    changes: tuple[Change, ...]


@dataclass
class RescoreSummary:
    examined: int = 0
    rescored: int = 0
    unchanged: int = 0
    band_changes: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(dimension, from band, to band) -> number of assessments."""
    recommendation_changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    changed: list[AssessmentChanges] = field(default_factory=list)
    """Each assessment whose bands or recommendation moved, in the order re-scored."""


RESCORABLE = (
    Assessment.status.not_in(EDITABLE),
    Assessment.superseded_by_id.is_(None),
)
"""Submitted, in review or approved current versions; an earlier version keeps its score."""


def count_scored(session: Session) -> int:
    query = select(func.count()).select_from(Assessment)
    return session.scalar(query.where(*RESCORABLE)) or 0


def rescore_all(
    factory: sessionmaker[Session],
    library: Library,
    *,
    force: bool = False,
    progress: Callable[[int], None] = lambda done: None,
) -> RescoreSummary:
    """Re-score in batches, one transaction per batch, reporting progress after each."""
    summary = RescoreSummary()
    after: uuid.UUID | None = None
    while True:
        with factory.begin() as session:
            batch = _next_batch(session, after)
            if not batch:
                return summary
            publisher = score_service.Publisher(session, library)
            subscribed = _subscribed_organisations(session)
            for assessment in batch:
                _rescore(session, publisher, assessment, summary, subscribed, force=force)
            after = batch[-1].id
        progress(len(batch))


def _subscribed_organisations(session: Session) -> set[uuid.UUID]:
    """Organisations with an endpoint that wants `assessment.rescored`: an event nobody will
    receive is not written (re-scoring 10,000 assessments wrote 10,000 of them)."""
    query = select(WebhookEndpoint.organisation_id, WebhookEndpoint.events).where(
        WebhookEndpoint.enabled.is_(True), WebhookEndpoint.state != EndpointState.DISABLED
    )
    wanted = EventType.ASSESSMENT_RESCORED.value
    return {organisation for organisation, events in session.execute(query) if wanted in events}


def _next_batch(session: Session, after: uuid.UUID | None) -> list[Assessment]:
    query = (
        select(Assessment)
        .where(*RESCORABLE)
        .options(
            selectinload(Assessment.vendor),
            selectinload(Assessment.client).selectinload(Client.environment_questionnaire),
            selectinload(Assessment.questionnaire),
            selectinload(Assessment.latest_score),
        )
        .order_by(Assessment.id)
        .limit(BATCH)
    )
    if after is not None:
        query = query.where(Assessment.id > after)
    return list(session.scalars(query))


def _rescore(
    session: Session,
    publisher: score_service.Publisher,
    assessment: Assessment,
    summary: RescoreSummary,
    subscribed: set[uuid.UUID],
    *,
    force: bool,
) -> None:
    summary.examined += 1
    previous = assessment.latest_score
    inputs = score_service.current_inputs(publisher, assessment)
    if previous is not None and previous.inputs_hash == inputs.digest and not force:
        summary.unchanged += 1
        return
    record = score_service.record_score(session, assessment, inputs, ScoreTrigger.RESCORED)
    if assessment.organisation_id in subscribed:
        notify.rescored(session, assessment, record)
    summary.rescored += 1
    if previous is not None:
        _count_changes(summary, assessment, previous, record)
    session.add(
        AssessmentHistory(
            assessment=assessment,
            revision=assessment.revision,
            kind=HistoryKind.SCORED,
            new_value=score_service.note(record),
            actor_type=ActorType.SYSTEM,
            actor_id=None,
            actor_label=ACTOR,
            created_at=utcnow(),
        )
    )


def _count_changes(
    summary: RescoreSummary, assessment: Assessment, before: ScoreRecord, after: ScoreRecord
) -> None:
    changes = tuple(
        Change(item, old, new)
        for item, old, new in (
            ("technical_currency", before.currency_band, after.currency_band),
            ("integration_risk", before.risk_band, after.risk_band),
            ("recommendation", before.recommendation, after.recommendation),
        )
        if old != new
    )
    if not changes:
        return
    summary.changed.append(AssessmentChanges(assessment.id, assessment.title, changes))
    for change in changes:
        if change.item == "recommendation":
            summary.recommendation_changes[(change.before, change.after)] += 1
        else:
            summary.band_changes[(change.item, change.before, change.after)] += 1
