"""Re-scoring every scored assessment after the rules or the knowledge base change.

New score records are appended; old ones stay. An assessment whose inputs (answers, client
environment, questionnaire, rule pack, knowledge base, engine) are unchanged since its latest
score is skipped, unless forced, because the same inputs give the same result.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from service import process_heap
from service.assessments.models import EDITABLE, Assessment, AssessmentHistory, HistoryKind
from service.auth.principal import ActorType
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.db import utcnow
from service.scores import service as score_service
from service.scores.models import ScoreRecord, ScoreTrigger
from service.scores.scoring_pool import ScoringPool
from service.scoring.library import Library
from service.webhooks import notify
from service.webhooks.events import EventType
from service.webhooks.models import EndpointState, WebhookEndpoint

BATCH = 500
"""Assessments per chunk (and per transaction)."""
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
    reused: int = 0
    """Re-scored with the result of an earlier assessment of the run with the same inputs."""


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
    reuse: bool = True,
    workers: int = 1,
) -> RescoreSummary:
    """Re-score in chunks, one transaction per chunk, reporting progress after each.

    A chunk costs a handful of statements whatever its size: its assessments with their latest
    score's hash and bands in one query, their clients in another, the new score records and
    history rows inserted in bulk and `latest_score_id` set in one statement. An interruption
    loses at most the chunk in progress; a rerun skips what was done (same inputs, same hash).
    With `reuse`, assessments whose inputs hash alike (same answers, client environment,
    definitions and engine, no evidence) are scored once per run. With `workers` above 1, a
    chunk's assessments without evidence are scored in that many forked processes
    (`scoring_pool`), which gives the same records. The garbage collector runs rarely
    meanwhile (`process_heap.batch_collection`): re-scoring makes no cycles.
    """
    summary = RescoreSummary()
    after: uuid.UUID | None = None
    with process_heap.batch_collection(), ScoringPool(library, workers) as pool:
        results = _Results(pool, enabled=reuse)
        while True:
            with factory.begin() as session:
                chunk = _next_chunk(session, after)
                if not chunk:
                    return summary
                _rescore_chunk(session, library, chunk, summary, results, force=force)
                after = chunk[-1].id
            progress(len(chunk))


class _Stored(NamedTuple):
    """One assessment as re-scoring reads it, with its latest score's summary (a named
    tuple: made from each row read, 10,000 times a run, where a frozen dataclass is slow)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    title: str
    revision: int
    answers: dict[str, Any]
    client_id: uuid.UUID
    questionnaire_id: uuid.UUID
    sequence: int | None
    """The latest score's (None: not scored yet)."""
    inputs_hash: str | None
    currency_band: str | None
    risk_band: str | None
    recommendation: str | None


def _next_chunk(session: Session, after: uuid.UUID | None) -> list[_Stored]:
    query = (
        select(
            Assessment.id,
            Assessment.organisation_id,
            Assessment.title,
            Assessment.revision,
            Assessment.answers,
            Assessment.client_id,
            Assessment.questionnaire_id,
            ScoreRecord.sequence,
            ScoreRecord.inputs_hash,
            ScoreRecord.currency_band,
            ScoreRecord.risk_band,
            ScoreRecord.recommendation,
        )
        .outerjoin(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
        .where(*RESCORABLE)
        .order_by(Assessment.id)
        .limit(BATCH)
    )
    if after is not None:
        query = query.where(Assessment.id > after)
    return [_Stored(*row) for row in session.execute(query)]


def _rescore_chunk(
    session: Session,
    library: Library,
    chunk: list[_Stored],
    summary: RescoreSummary,
    results: _Results,
    *,
    force: bool,
) -> None:
    publisher = score_service.Publisher(session, library)
    clients = _clients(session, {stored.client_id for stored in chunk})
    subscribed = _subscribed_organisations(session)
    # Evidence changes the inputs, and an event shows the vendor and client: those few
    # assessments are read whole (one query), the others need only the columns above.
    whole = _whole(
        session,
        [s.id for s in chunk if s.organisation_id in subscribed or publisher.has_evidence(s.id)],
    )
    first = _first_sequences(session, [s.id for s in chunk if s.sequence is None])
    due = _due(session, publisher, chunk, whole, clients, summary, force=force)
    scored = results.get([(inputs, digest) for _, _, inputs, digest in due], summary)
    records: list[dict[str, Any]] = []
    for (stored, assessment, inputs, digest), columns in zip(due, scored, strict=True):
        sequence = stored.sequence + 1 if stored.sequence is not None else first[stored.id]
        values = score_service.score_values(
            stored.organisation_id,
            stored.id,
            sequence,
            inputs,
            ScoreTrigger.RESCORED,
            digest,
            columns,
        )
        records.append(values)
        if assessment is not None and stored.organisation_id in subscribed:
            notify.rescored(session, assessment, ScoreRecord(**values))
        summary.rescored += 1
        if stored.sequence is not None:
            _count_changes(summary, stored, values)
    _write(session, chunk, records)


_Due = tuple[_Stored, Assessment | None, score_service.Inputs, str]
"""An assessment to re-score: as read, whole when read whole, its inputs and their hash."""


def _due(
    session: Session,
    publisher: score_service.Publisher,
    chunk: list[_Stored],
    whole: dict[uuid.UUID, Assessment],
    clients: dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]],
    summary: RescoreSummary,
    *,
    force: bool,
) -> list[_Due]:
    """The chunk's assessments whose inputs changed since their latest score (all, forced)."""
    due: list[_Due] = []
    for stored in chunk:
        summary.examined += 1
        assessment = whole.get(stored.id)
        inputs = _inputs(session, publisher, stored, assessment, clients)
        digest = inputs.digest
        if stored.inputs_hash == digest and not force:
            summary.unchanged += 1
            continue
        due.append((stored, assessment, inputs, digest))
    return due


def _inputs(
    session: Session,
    publisher: score_service.Publisher,
    stored: _Stored,
    assessment: Assessment | None,
    clients: dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]],
) -> score_service.Inputs:
    """Today's inputs: from the whole assessment when it was read whole, else from the
    columns read with the chunk."""
    if assessment is not None:
        return score_service.current_inputs(publisher, assessment)
    questionnaire = session.get(QuestionnaireVersion, stored.questionnaire_id)
    assert questionnaire is not None  # a foreign key
    environment_questionnaire_id, environment = clients[stored.client_id]
    return score_service.plain_inputs(
        publisher, questionnaire, environment_questionnaire_id, stored.answers, environment
    )


class _Results:
    """The scored columns of a run by inputs hash: the hash covers everything a score is
    computed from (answers, client environment, content hashes, engine version), so equal
    hashes give equal columns. Inputs with evidence are not kept (their record names the
    evidence); at most `KEPT` results, the oldest dropped first. What is left to score after
    that is scored by the pool, all of a chunk at once; inputs with evidence here."""

    KEPT = 4096

    def __init__(self, pool: ScoringPool, *, enabled: bool) -> None:
        self.pool = pool
        self.enabled = enabled
        self._kept: dict[str, dict[str, Any]] = {}

    def get(
        self, due: list[tuple[score_service.Inputs, str]], summary: RescoreSummary
    ) -> list[dict[str, Any]]:
        """The columns of each of `due` (inputs and their hash), in order."""
        plain: dict[str, score_service.Inputs] = {}  # by hash (by position without reuse)
        for position, (inputs, digest) in enumerate(due):
            if inputs.evidence is None and (not self.enabled or digest not in self._kept):
                plain.setdefault(digest if self.enabled else str(position), inputs)
        jobs = [(_key(inputs), inputs.answers, inputs.client) for inputs in plain.values()]
        fresh = dict(zip(plain, self.pool.score(jobs), strict=True))
        found: list[dict[str, Any]] = []
        for position, (inputs, digest) in enumerate(due):
            if inputs.evidence is not None:
                found.append(score_service.scored_columns(inputs))
            elif not self.enabled:
                found.append(fresh[str(position)])
            else:
                found.append(self._take(digest, fresh, summary))
        return found

    def _take(
        self, digest: str, fresh: dict[str, dict[str, Any]], summary: RescoreSummary
    ) -> dict[str, Any]:
        kept = self._kept.get(digest)
        if kept is not None:
            summary.reused += 1
            return kept
        kept = self._kept[digest] = fresh[digest]
        if len(self._kept) > self.KEPT:
            del self._kept[next(iter(self._kept))]
        return kept


def _key(inputs: score_service.Inputs) -> str:
    return f"{inputs.questionnaire.slug}@{inputs.questionnaire.version}"


def _subscribed_organisations(session: Session) -> set[uuid.UUID]:
    """Organisations with an endpoint that wants `assessment.rescored`: an event nobody will
    receive is not written (re-scoring 10,000 assessments wrote 10,000 of them)."""
    query = select(WebhookEndpoint.organisation_id, WebhookEndpoint.events).where(
        WebhookEndpoint.enabled.is_(True), WebhookEndpoint.state != EndpointState.DISABLED
    )
    wanted = EventType.ASSESSMENT_RESCORED.value
    return {organisation for organisation, events in session.execute(query) if wanted in events}


def _clients(
    session: Session, ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]]:
    """Each client's environment questionnaire and environment."""
    query = select(Client.id, Client.environment_questionnaire_id, Client.environment)
    return {row.id: (row[1], row[2]) for row in session.execute(query.where(Client.id.in_(ids)))}


def _whole(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Assessment]:
    if not ids:
        return {}
    query = (
        select(Assessment)
        .where(Assessment.id.in_(ids))
        .options(
            selectinload(Assessment.vendor),
            selectinload(Assessment.client).selectinload(Client.environment_questionnaire),
            selectinload(Assessment.questionnaire),
            selectinload(Assessment.latest_score),
        )
    )
    return {assessment.id: assessment for assessment in session.scalars(query)}


def _first_sequences(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The next sequence number of assessments without a latest score (1 unless some score
    record exists already)."""
    if not ids:
        return {}
    query = (
        select(ScoreRecord.assessment_id, func.max(ScoreRecord.sequence))
        .where(ScoreRecord.assessment_id.in_(ids))
        .group_by(ScoreRecord.assessment_id)
    )
    found: dict[uuid.UUID, int] = {row[0]: row[1] for row in session.execute(query)}
    return {i: found.get(i, 0) + 1 for i in ids}


def _write(session: Session, chunk: list[_Stored], records: list[dict[str, Any]]) -> None:
    """The chunk's new records, their history rows and the assessments' latest score (and its
    two scores, which the dashboard sorts by), in three bulk statements."""
    if not records:
        return
    now = utcnow()
    revisions = {stored.id: stored.revision for stored in chunk}
    session.execute(insert(ScoreRecord), records)
    history = [
        {
            "id": uuid.uuid4(),
            "assessment_id": values["assessment_id"],
            "revision": revisions[values["assessment_id"]],
            "kind": HistoryKind.SCORED,
            "new_value": score_service.note_of(values),
            "actor_type": ActorType.SYSTEM,
            "actor_id": None,
            "actor_label": ACTOR,
            "created_at": now,
        }
        for values in records
    ]
    session.execute(insert(AssessmentHistory), history)
    latest = [
        {
            "id": values["assessment_id"],
            "latest_score_id": values["id"],
            "latest_technical_currency": values["technical_currency"],
            "latest_integration_risk": values["integration_risk"],
            "updated_at": now,
        }
        for values in records
    ]
    session.execute(update(Assessment), latest)


def _count_changes(summary: RescoreSummary, before: _Stored, after: Mapping[str, Any]) -> None:
    changes = tuple(
        Change(item, old, new)
        for item, old, new in (
            ("technical_currency", before.currency_band, after["currency_band"]),
            ("integration_risk", before.risk_band, after["risk_band"]),
            ("recommendation", before.recommendation, after["recommendation"]),
        )
        if old is not None and old != new
    )
    if not changes:
        return
    summary.changed.append(AssessmentChanges(before.id, before.title, changes))
    for change in changes:
        if change.item == "recommendation":
            summary.recommendation_changes[(change.before, change.after)] += 1
        else:
            summary.band_changes[(change.item, change.before, change.after)] += 1
