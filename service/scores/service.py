"""Scoring stored assessments: score records, their inputs, and reading them back.

A record stores the questionnaire, rule pack and knowledge-base versions (as rows that are never
changed), the engine version, and snapshots of the answers and the client environment, so a
score can be explained and recomputed identically months later, whatever the files say then.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, undefer_group

from service.assessments.models import Assessment
from service.catalog import service as catalog_service
from service.catalog.models import QuestionnaireVersion
from service.catalog.schemas import QuestionnaireRef
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.evidence import service as evidence_service
from service.evidence.scoring import EvidenceUse
from service.questionnaires.loader import DefinitionError, DefinitionProblem
from service.scores import columns, stored_paths
from service.scores.models import (
    DETAIL,
    KnowledgeSnapshot,
    RulePackVersion,
    ScoreRecord,
    ScoreTrigger,
)
from service.scores.presenters import present
from service.scores.schemas import (
    KnowledgeRef,
    Provenance,
    RulePackRef,
    ScoreEvidenceRead,
    ScoreRead,
    ScoreSummary,
)
from service.scoring.engine import ENGINE_VERSION, Engine, Recommendation, Score
from service.scoring.knowledge import KnowledgeBase
from service.scoring.library import Library, LoadedPack
from service.scoring.paths import ImprovementPath, improvement_paths
from service.scoring.rules import RulePack
from service.scoring.serialise import score_from_result


@dataclass(frozen=True)
class Inputs:
    """Everything a score is computed from, with the rows that pin each part."""

    engine: Engine
    answers: dict[str, Any]
    client: dict[str, Any]
    questionnaire: QuestionnaireVersion
    environment_questionnaire: QuestionnaireVersion
    rule_pack: RulePackVersion
    knowledge: KnowledgeSnapshot
    evidence: EvidenceUse | None = None
    """Evidence files that apply: contradicted answers are scored with evidenced values."""

    @property
    def scored_answers(self) -> dict[str, Any]:
        return self.evidence.scored_answers if self.evidence else self.answers

    @property
    def digest(self) -> str:
        parts: list[Any] = [
            self.answers,
            self.client,
            self.questionnaire.content_hash,
            self.environment_questionnaire.content_hash,
            self.rule_pack.content_hash,
            self.knowledge.content_hash,
            ENGINE_VERSION,
        ]
        if self.evidence is not None:  # only then, so scores without evidence keep their hash
            parts.append(self.evidence.digest_material)
        material = json.dumps(parts, sort_keys=True, default=str)
        return "sha256:" + hashlib.sha256(material.encode()).hexdigest()


def publish_pack(session: Session, loaded: LoadedPack) -> RulePackVersion:
    query = select(RulePackVersion).where(
        RulePackVersion.questionnaire == loaded.pack.questionnaire,
        RulePackVersion.version == loaded.pack.version,
    )
    row = session.scalar(query)
    if row is None:
        row = RulePackVersion(
            questionnaire=loaded.pack.questionnaire,
            version=loaded.pack.version,
            content_hash=loaded.content_hash,
            definition=loaded.pack.model_dump(mode="json", by_alias=True, exclude_none=True),
        )
        session.add(row)
        session.flush()
    elif row.content_hash != loaded.content_hash:
        raise DefinitionError(
            [
                DefinitionProblem(
                    loaded.pack.questionnaire.replace("@", "-") + ".yaml",
                    "version",
                    f"rule pack version {loaded.pack.version} was published with another "
                    "content; published packs are immutable: give the changed pack a new "
                    "version",
                )
            ]
        )
    return row


def publish_knowledge(session: Session, library: Library) -> KnowledgeSnapshot:
    query = select(KnowledgeSnapshot).where(
        KnowledgeSnapshot.content_hash == library.knowledge_hash
    )
    row = session.scalar(query)
    if row is None:
        row = KnowledgeSnapshot(
            as_of=library.knowledge.as_of,
            content_hash=library.knowledge_hash,
            content=library.knowledge.model_dump(mode="json", exclude_none=True),
        )
        session.add(row)
        session.flush()
    return row


def publish_all(session: Session, library: Library) -> None:
    for loaded in library.packs.values():
        publish_pack(session, loaded)
    publish_knowledge(session, library)


class Publisher:
    """Publishes (or finds) the pack and knowledge rows once per unit of work."""

    def __init__(self, session: Session, library: Library) -> None:
        self.session = session
        self.library = library
        self._packs: dict[str, RulePackVersion] = {}
        self._knowledge: KnowledgeSnapshot | None = None
        self._with_evidence: frozenset[uuid.UUID] | None = None

    def has_evidence(self, assessment_id: uuid.UUID) -> bool:
        """One query per unit of work (a rescore batch), not one per assessment."""
        if self._with_evidence is None:
            self._with_evidence = evidence_service.assessments_with_evidence(self.session)
        return assessment_id in self._with_evidence

    def pack(self, loaded: LoadedPack) -> RulePackVersion:
        key = loaded.pack.questionnaire
        if key not in self._packs:
            self._packs[key] = publish_pack(self.session, loaded)
        return self._packs[key]

    def knowledge(self) -> KnowledgeSnapshot:
        if self._knowledge is None:
            self._knowledge = publish_knowledge(self.session, self.library)
        return self._knowledge


def current_inputs(publisher: Publisher, assessment: Assessment) -> Inputs:
    """Today's inputs for an assessment: its answers, its client's environment, current rules."""
    client = assessment.client
    inputs = plain_inputs(
        publisher,
        assessment.questionnaire,
        client.environment_questionnaire_id,
        assessment.answers,
        client.environment,
    )
    if not publisher.has_evidence(assessment.id):
        return inputs
    evidence = evidence_service.use_for(publisher.session, assessment, inputs.engine.vendor)
    return dataclasses.replace(inputs, evidence=evidence)


def plain_inputs(
    publisher: Publisher,
    pinned: QuestionnaireVersion,
    environment_questionnaire_id: uuid.UUID,
    answers: Mapping[str, Any],
    client: Mapping[str, Any],
) -> Inputs:
    """Today's inputs for answers and a client environment, without evidence."""
    key = f"{pinned.slug}@{pinned.version}"
    loaded, engine = publisher.library.pack_for(key), publisher.library.engine(key)
    if loaded is None or engine is None:
        raise Conflict(f"There is no rule pack for {key}, so this assessment cannot be scored.")
    environment = publisher.session.get(QuestionnaireVersion, environment_questionnaire_id)
    assert environment is not None  # a foreign key
    return Inputs(
        engine=engine,
        answers=dict(answers),
        client=dict(client),
        questionnaire=pinned,
        environment_questionnaire=environment,
        rule_pack=publisher.pack(loaded),
        knowledge=publisher.knowledge(),
    )


def record_score(
    session: Session, assessment: Assessment, inputs: Inputs, trigger: ScoreTrigger
) -> ScoreRecord:
    """Score the inputs, append the record and make it the assessment's latest.

    Not flushed here; re-scoring writes `score_values` rows in bulk instead.
    """
    previous = assessment.latest_score
    sequence = previous.sequence + 1 if previous else _next_sequence(session, assessment.id)
    values = score_values(assessment.organisation_id, assessment.id, sequence, inputs, trigger)
    record = ScoreRecord(**values)
    session.add(record)
    assessment.latest_score = record
    assessment.latest_technical_currency = record.technical_currency
    assessment.latest_integration_risk = record.integration_risk
    return record


def score_values(
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    sequence: int,
    inputs: Inputs,
    trigger: ScoreTrigger,
    digest: str | None = None,
    scored: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Score the inputs (with improvement paths): the columns of the new score record.
    `digest`: `inputs.digest`, and `scored`: `scored_columns(inputs)`, when the caller has them."""
    return {
        "id": uuid.uuid4(),
        "organisation_id": organisation_id,
        "assessment_id": assessment_id,
        "sequence": sequence,
        "trigger": trigger,
        **(scored_columns(inputs) if scored is None else scored),
        "questionnaire_id": inputs.questionnaire.id,
        "environment_questionnaire_id": inputs.environment_questionnaire.id,
        "rule_pack_id": inputs.rule_pack.id,
        "knowledge_id": inputs.knowledge.id,
        "engine_version": ENGINE_VERSION,
        "answers": inputs.answers,
        "client_environment": inputs.client,
        "inputs_hash": inputs.digest if digest is None else digest,
        "computed_at": utcnow(),
    }


def scored_columns(inputs: Inputs) -> dict[str, Any]:
    """The columns that follow from scoring the inputs: figures, findings, paths, evidence."""
    return columns.scored(inputs.engine, inputs.scored_answers, inputs.client, inputs.evidence)


def note(record: ScoreRecord) -> dict[str, Any]:
    """What the assessment history says about a new score."""
    return {
        "sequence": record.sequence,
        "trigger": record.trigger.value,
        "technical_currency": record.technical_currency,
        "currency_band": record.currency_band,
        "integration_risk": record.integration_risk,
        "risk_band": record.risk_band,
        "recommendation": record.recommendation,
    }


def note_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """`note` for the columns of a record not made into an object (bulk re-scoring)."""
    trigger: ScoreTrigger = values["trigger"]
    return {
        "sequence": values["sequence"],
        "trigger": trigger.value,
        "technical_currency": values["technical_currency"],
        "currency_band": values["currency_band"],
        "integration_risk": values["integration_risk"],
        "risk_band": values["risk_band"],
        "recommendation": values["recommendation"],
    }


def _next_sequence(session: Session, assessment_id: uuid.UUID) -> int:
    query = select(func.max(ScoreRecord.sequence)).where(ScoreRecord.assessment_id == assessment_id)
    return (session.scalar(query) or 0) + 1


def _with_inputs(*, detail: bool = True) -> Select[ScoreRecord]:
    """Records with the (small) rows naming their inputs; `detail` adds findings, snapshots
    and paths, which only an explained score shows."""
    query = select(ScoreRecord).options(
        selectinload(ScoreRecord.questionnaire),
        selectinload(ScoreRecord.environment_questionnaire),
        selectinload(ScoreRecord.rule_pack),
        selectinload(ScoreRecord.knowledge),
    )
    return query.options(undefer_group(DETAIL)) if detail else query


def latest_score(session: Session, assessment: Assessment) -> ScoreRecord:
    if assessment.latest_score_id is None:
        raise NotFound(
            f"Assessment {assessment.id} has no score yet: it is scored when it is submitted."
        )
    record = session.scalar(_with_inputs().where(ScoreRecord.id == assessment.latest_score_id))
    assert record is not None
    return record


def score_history(session: Session, assessment: Assessment) -> Sequence[ScoreRecord]:
    query = (
        _with_inputs(detail=False)
        .where(ScoreRecord.assessment_id == assessment.id)
        .order_by(ScoreRecord.sequence.desc())
    )
    return session.scalars(query).all()


def engine_for(record: ScoreRecord) -> Engine:
    """The engine exactly as it was when the record was made (from the stored definitions).

    Compiled once per process for each set of content hashes; the (deferred) definitions are
    fetched from the database only then."""
    key = (
        record.rule_pack.content_hash,
        record.knowledge.content_hash,
        record.questionnaire.content_hash,
        record.environment_questionnaire.content_hash,
    )
    cached = _ENGINES.get(key)
    if cached is None:
        cached = Engine(
            RulePack.model_validate(record.rule_pack.definition),
            catalog_service.questionnaire_of(record.questionnaire),
            catalog_service.questionnaire_of(record.environment_questionnaire),
            KnowledgeBase.model_validate(record.knowledge.content),
        )
        _ENGINES[key] = cached
    return cached


_ENGINES: dict[tuple[str, ...], Engine] = {}


def read_score(record: ScoreRecord, *, with_paths: bool = True) -> ScoreRead:
    """A stored score with its explanation and improvement paths, as it was computed."""
    engine = engine_for(record)
    score = score_from_result(record.result, engine.pack)
    paths = _paths(record, engine, score) if with_paths else ()
    provenance = Provenance(
        questionnaire=QuestionnaireRef.of(record.questionnaire),
        environment_questionnaire=QuestionnaireRef.of(record.environment_questionnaire),
        rule_pack=RulePackRef(
            questionnaire=record.rule_pack.questionnaire,
            version=record.rule_pack.version,
            content_hash=record.rule_pack.content_hash,
        ),
        knowledge_base=KnowledgeRef(
            as_of=record.knowledge.as_of, content_hash=record.knowledge.content_hash
        ),
        engine_version=record.engine_version,
        computed_at=record.computed_at,
        answers=record.answers,
        client_environment=record.client_environment,
    )
    read = present(score, engine, paths, provenance, record)
    if record.evidence:
        read.evidence = ScoreEvidenceRead.model_validate(record.evidence)
    return read


def _paths(record: ScoreRecord, engine: Engine, score: Score) -> tuple[ImprovementPath, ...]:
    """Stored with the record; records made before paths were stored compute them now."""
    if record.improvement_paths is not None:
        return stored_paths.load(record.improvement_paths)
    return improvement_paths(engine, record.answers, record.client_environment, score)


def summarise(record: ScoreRecord) -> ScoreSummary:
    return ScoreSummary(
        id=record.id,
        sequence=record.sequence,
        trigger=record.trigger,
        technical_currency=record.technical_currency,
        currency_band=record.currency_band,
        integration_risk=record.integration_risk,
        risk_band=record.risk_band,
        recommendation=Recommendation(record.recommendation),
        completeness=record.completeness,
        rule_pack_version=record.rule_pack.version,
        knowledge_as_of=record.knowledge.as_of,
        computed_at=record.computed_at,
    )


def score_number(session: Session, assessment: Assessment, sequence: int) -> ScoreRecord:
    query = _with_inputs().where(
        ScoreRecord.assessment_id == assessment.id, ScoreRecord.sequence == sequence
    )
    record = session.scalar(query)
    if record is None:
        raise NotFound(f"There is no score number {sequence} of assessment {assessment.id}.")
    return record
