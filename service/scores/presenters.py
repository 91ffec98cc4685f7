"""Turn a score (stored or what-if) into its API shape, with labels a person can read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.catalog.schemas import QuestionnaireRef
from service.questionnaires.answers import display
from service.questionnaires.conditions import Fact, Source, is_known
from service.questionnaires.schema import Question, Questionnaire
from service.scores.schemas import (
    AssumedFact,
    CategoryRead,
    ChangeRead,
    ClientProfileRead,
    CompletenessRead,
    DimensionRead,
    Evidence,
    FindingRead,
    ImprovementPathRead,
    KnowledgeRef,
    Provenance,
    Reason,
    RootFindingRead,
    RulePackRef,
    ScoreEvidenceRead,
    ScoreRead,
    ToConfirmRead,
)
from service.scoring.engine import ENGINE_VERSION, Basis, DimensionScore, Engine, Finding, Score
from service.scoring.findings import RootFinding
from service.scoring.library import Library
from service.scoring.paths import Change, ImprovementPath, improvement_paths
from service.scoring.rules import Dimension


def present(
    score: Score,
    engine: Engine,
    paths: Sequence[ImprovementPath],
    provenance: Provenance,
    record: Any | None = None,
) -> ScoreRead:
    return ScoreRead(
        id=record.id if record else None,
        sequence=record.sequence if record else None,
        trigger=record.trigger if record else None,
        technical_currency=_dimension(score.technical_currency, engine),
        integration_risk=_dimension(score.integration_risk, engine),
        recommendation=score.recommendation,
        completeness=CompletenessRead(
            ratio=round(score.completeness.ratio, 4),
            vendor_known=score.completeness.vendor_known,
            vendor_visible=score.completeness.vendor_visible,
            client_known=score.completeness.client_known,
            client_visible=score.completeness.client_visible,
            vendor_ratio=round(score.completeness.vendor_ratio, 4),
        ),
        findings=[_finding(f, engine) for f in score.findings],
        root_findings=[_root(r, engine) for r in score.roots(Basis.KNOWN)],
        to_confirm=[_to_confirm(r, engine) for r in score.to_confirm()],
        client_profile=_client_profile(score, engine),
        top_reasons={
            d: [
                Reason(rule_id=f.id, title=f.rule.title, points=f.points, severity=f.rule.severity)
                for f in score.top_reasons(d)
            ]
            for d in Dimension
        },
        improvement_paths=[_path(p, engine.vendor) for p in paths],
        provenance=provenance,
    )


def _dimension(result: DimensionScore, engine: Engine) -> DimensionRead:
    titles = engine.pack.categories.of(result.dimension)
    return DimensionRead(
        score=result.score,
        band=result.band,
        points=result.points,
        unknown_points=result.unknown_points,
        categories=[
            CategoryRead(
                category=c.category,
                title=titles[c.category].title,
                points=c.points,
                cap=c.cap,
                counted=c.capped,
            )
            for c in result.categories
        ],
        blockers=list(result.blockers),
    )


def _finding(finding: Finding, engine: Engine) -> FindingRead:
    rule = finding.rule
    return FindingRead(
        rule_id=rule.id,
        title=rule.title,
        dimension=rule.dimension,
        category=rule.category,
        severity=rule.severity,
        points=finding.points,
        basis=finding.basis,
        verified=finding.basis is Basis.KNOWN,
        root=finding.root,
        evidence=[_evidence(fact, engine) for fact in finding.facts],
        rationale=rule.rationale,
        recommendation=rule.recommendation,
        follow_up=list(rule.follow_up),
    )


def _root(root: RootFinding, engine: Engine) -> RootFindingRead:
    declared = engine.pack.roots.get(root.id)
    return RootFindingRead(
        id=root.id,
        title=declared.title if declared else root.lead.rule.title,
        dimension=root.dimension,
        severity=root.severity,
        points=root.points,
        verified=root.basis is Basis.KNOWN,
        rule_ids=[f.id for f in root.findings],
    )


def _to_confirm(root: RootFinding, engine: Engine) -> ToConfirmRead:
    question = engine.vendor.questions.get(root.question or "")
    return ToConfirmRead(
        question=root.question or "",
        label=question.name if question else str(root.question),
        blocking=root.blocking,
        points=root.points,
        rule_ids=[f.id for f in root.findings],
    )


def _client_profile(score: Score, engine: Engine) -> ClientProfileRead:
    assumed = [
        AssumedFact(question=q, label=_name(engine.client.questions.get(q), q))
        for q in score.assumed_client_facts
    ]
    count = len(assumed)
    summary = (
        "Client profile complete for this vendor"
        if not count
        else f"Client profile incomplete: {count} fact{'s' if count != 1 else ''} assumed"
    )
    return ClientProfileRead(complete=not count, summary=summary, assumed=assumed)


def _name(question: Question | None, fallback: str) -> str:
    return question.name if question else fallback


def _evidence(fact: Fact, engine: Engine) -> Evidence:
    questionnaire = engine.vendor if fact.source is Source.VENDOR else engine.client
    question = questionnaire.questions.get(fact.question)
    return Evidence(
        source=fact.source.value,
        question=fact.question,
        label=question.name if question else fact.question,
        value=fact.value,
        value_label=display(question, fact.value),
        known=is_known(fact.value),
    )


def _path(path: ImprovementPath, vendor: Questionnaire) -> ImprovementPathRead:
    changes = [_change(change, vendor.questions.get(change.question)) for change in path.changes]
    steps = "; ".join(
        f"{c.label}: {c.current_label} → {' or '.join(c.option_labels[:3])}" for c in changes
    )
    dimension = path.dimension.value.replace("_", " ")
    return ImprovementPathRead(
        dimension=path.dimension,
        from_band=path.from_band,
        to_band=path.to_band,
        score_before=path.score_before,
        score_after=path.score_after,
        summary=f"{steps} ({dimension} {path.from_band} → {path.to_band})",
        changes=changes,
        resolves=list(path.resolves),
    )


def _change(change: Change, question: Question | None) -> ChangeRead:
    return ChangeRead(
        question=change.question,
        label=question.name if question else change.question,
        current=change.current,
        current_label=display(question, change.current),
        options=list(change.options),
        option_labels=[display(question, option) for option in change.options],
    )


def unstored(
    score: Score,
    engine: Engine,
    library: Library,
    questionnaire: QuestionnaireRef,
    environment: QuestionnaireRef,
    answers: dict[str, Any],
    client: dict[str, Any],
    *,
    scored_answers: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
) -> ScoreRead:
    """A score computed now with today's rules and not stored (what-if, offline scoring).

    `answers` are the declared ones the provenance shows; `scored_answers` those the score
    used when evidence replaced some (`evidence`: what `evidence.scoring.record` keeps)."""
    loaded = library.pack_for(questionnaire.slug + "@" + questionnaire.version)
    assert loaded is not None
    provenance = Provenance(
        questionnaire=questionnaire,
        environment_questionnaire=environment,
        rule_pack=RulePackRef(
            questionnaire=loaded.pack.questionnaire,
            version=loaded.pack.version,
            content_hash=loaded.content_hash,
        ),
        knowledge_base=KnowledgeRef(
            as_of=library.knowledge.as_of, content_hash=library.knowledge_hash
        ),
        engine_version=ENGINE_VERSION,
        computed_at=None,
        answers=answers,
        client_environment=client,
    )
    scored = answers if scored_answers is None else scored_answers
    read = present(score, engine, improvement_paths(engine, scored, client, score), provenance)
    if evidence is not None:
        read.evidence = ScoreEvidenceRead.model_validate(evidence)
    return read
