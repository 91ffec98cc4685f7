"""Moving a draft to a newer version of its questionnaire, keeping every answer still valid.

Only drafts move: a submitted or scored assessment stays on the version its score was computed
with, so the score stays explained by that version's rules. The move is one revision: the
dropped answers and the move itself are written to the history, with an `assessment.upgraded`
event, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version
from sqlalchemy.orm import Session

from service.assessments import history as assessment_history
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus, HistoryKind
from service.auth.principal import Principal
from service.catalog import service as catalog_service
from service.catalog.schemas import QuestionnaireRef
from service.errors import Conflict, InvalidInput
from service.questionnaires.catalog import Catalog, Definition
from service.questionnaires.upgrade import CarriedAnswers, carry_answers
from service.webhooks import notify


@dataclass(frozen=True)
class Upgrade:
    assessment: Assessment
    previous: QuestionnaireRef
    carried: CarriedAnswers


def upgrade(
    session: Session,
    catalog: Catalog,
    principal: Principal,
    assessment: Assessment,
    to: str | None,
    expected: frozenset[int] | None,
) -> Upgrade:
    """Re-pin a draft to version `to` (default: the latest); answers no longer valid are dropped."""
    assessment_service.check_revision(assessment, expected)
    _require_draft(assessment)
    target = _target(catalog, assessment, to)
    previous = QuestionnaireRef.of(assessment.questionnaire)
    carried = carry_answers(target.questionnaire, assessment.answers)
    assessment.revision += 1
    _record(session, principal, assessment, previous, target, carried)
    assessment.questionnaire = catalog_service.publish(session, target)
    assessment.answers = carried.kept
    assessment_service.refresh_progress(assessment)
    session.flush()
    notify.upgraded(session, assessment, _note(previous, target, carried))
    session.flush()
    return Upgrade(assessment, previous, carried)


def _require_draft(assessment: Assessment) -> None:
    if assessment.status is not AssessmentStatus.DRAFT:
        raise Conflict(
            f"The assessment is {assessment.status}: only a draft can move to another "
            "questionnaire version, so that a score stays explained by the version it was "
            "computed with. Reopen it first (procurement or admin role)."
        )


def _target(catalog: Catalog, assessment: Assessment, to: str | None) -> Definition:
    pinned = assessment.questionnaire
    target = catalog.latest(pinned.slug) if to is None else catalog.get(pinned.slug, to)
    if target is None:
        versions = ", ".join(d.version for d in catalog.versions(pinned.slug))
        raise InvalidInput(
            f"Questionnaire '{pinned.slug}' has no version {to}; it has: {versions}.",
            errors=[{"field": "body.to", "message": f"no such version; known: {versions}"}],
        )
    if Version(target.version) <= Version(pinned.version):
        already = target.version == pinned.version
        raise Conflict(
            f"The assessment is already on {pinned.slug} {pinned.version}"
            + ("." if already else f", which is newer than {target.version}: drafts only move up.")
        )
    return target


def _record(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    previous: QuestionnaireRef,
    target: Definition,
    carried: CarriedAnswers,
) -> None:
    for dropped in carried.dropped:
        assessment_history.record_history(
            session,
            assessment,
            principal,
            HistoryKind.ANSWER,
            question_id=dropped.question,
            old=dropped.value,
            new=None,
        )
    assessment_history.record_history(
        session,
        assessment,
        principal,
        HistoryKind.UPGRADED,
        old={"questionnaire": f"{previous.slug}@{previous.version}"},
        new=_note(previous, target, carried),
    )


def _note(
    previous: QuestionnaireRef, target: Definition, carried: CarriedAnswers
) -> dict[str, object]:
    return {
        "from": previous.version,
        "to": target.version,
        "questionnaire": f"{target.slug}@{target.version}",
        "dropped": [d.question for d in carried.dropped],
    }
