"""The assessment lifecycle: create, answer, submit, reopen, with an append-only history.

Every write locks the assessment row first (SELECT ... FOR UPDATE on PostgreSQL; SQLite
serialises writers with BEGIN IMMEDIATE), then checks the caller's expected revision, so two
concurrent writers can never both succeed against the same revision.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from service import external_ids
from service.assessments import merging, versions
from service.assessments.history import record_history, record_transition
from service.assessments.models import (
    EDITABLE,
    Assessment,
    AssessmentStatus,
    HistoryKind,
)
from service.assessments.schemas import AssessmentCreate, AssessmentUpdate
from service.auth.principal import Principal
from service.catalog import service as catalog_service
from service.clients.models import Client
from service.db import utcnow
from service.errors import Conflict, InvalidInput
from service.mail import notifications
from service.questionnaires.answers import merge, missing_required, progress
from service.questionnaires.catalog import Catalog
from service.questionnaires.schema import Audience, Questionnaire
from service.scores import service as score_service
from service.scores.models import ScoreTrigger
from service.scoring.library import Library
from service.tombstones.rules import live_or_gone
from service.vendors.models import Vendor
from service.webhooks import notify
from service.webhooks.events import EventType

TITLE_LIMIT = 200  # assessments.title is String(200)


def create_assessment(
    session: Session, catalog: Catalog, principal: Principal, data: AssessmentCreate
) -> Assessment:
    organisation_id = principal.organisation_id
    vendor = _referenced(session, Vendor, organisation_id, data.vendor_id, "vendor_id")
    client = _referenced(session, Client, organisation_id, data.client_id, "client_id")
    definition = catalog_service.latest(catalog, data.questionnaire)
    if definition.questionnaire.audience is not Audience.VENDOR:
        raise InvalidInput(
            f"'{data.questionnaire}' describes a client, not a vendor; assess vendors with a "
            "vendor questionnaire such as 'ai-framework'.",
            errors=[{"field": "body.questionnaire", "message": "not a vendor questionnaire"}],
        )
    catalog_service.require_valid_answers(definition.questionnaire, data.answers)
    external_ids.ensure_free(session, Assessment, organisation_id, data.external_id)
    assessment_id = uuid.uuid4()
    assessment = Assessment(
        id=assessment_id,
        series_id=assessment_id,
        version=1,
        conditions=[],
        organisation_id=organisation_id,
        vendor=vendor,
        client=client,
        questionnaire=catalog_service.publish(session, definition),
        title=data.title or default_title(vendor.name, client.name),
        external_id=data.external_id,
        due_on=data.due_on,
        status=AssessmentStatus.DRAFT,
        answers={},
        revision=1,
        latest_score=None,
    )
    session.add(assessment)
    record_history(session, assessment, principal, HistoryKind.CREATED)
    _apply_answers(session, assessment, principal, data.answers, bump=False)
    refresh_progress(assessment)  # unanswered still has visible and required questions
    session.flush()
    notify.assessment_changed(session, assessment, EventType.ASSESSMENT_CREATED)
    return assessment


Party = TypeVar("Party", Vendor, Client)


def _referenced(
    session: Session,
    model: type[Party],
    organisation_id: uuid.UUID,
    object_id: uuid.UUID,
    field: str,
) -> Party:
    # Shared lock: a concurrent delete of the vendor or client (FOR UPDATE) waits, or is seen.
    found = session.get(
        model, object_id, with_for_update={"key_share": True}, populate_existing=True
    )
    noun = field.removesuffix("_id")
    if found is None or found.organisation_id != organisation_id:
        raise InvalidInput(
            f"There is no {noun} {object_id} in your organisation.",
            errors=[{"field": f"body.{field}", "message": f"no such {noun}"}],
        )
    if found.deleted_at is not None:
        raise InvalidInput(
            f"The {noun} {object_id} is deleted; restore it before assessing with it.",
            errors=[{"field": f"body.{field}", "message": f"the {noun} is deleted"}],
        )
    return found


def _loaded() -> Select[Assessment]:
    return select(Assessment).options(
        selectinload(Assessment.vendor),
        selectinload(Assessment.client).selectinload(Client.environment_questionnaire),
        selectinload(Assessment.questionnaire),
        selectinload(Assessment.latest_score),
    )


def get_assessment(
    session: Session,
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    *,
    lock: bool = False,
    include_deleted: bool = False,
) -> Assessment:
    """One assessment of this organisation; `lock` takes the row lock for a write.
    A deleted one is NotFound (saying it was deleted) unless `include_deleted`."""
    query = _loaded().where(
        Assessment.id == assessment_id, Assessment.organisation_id == organisation_id
    )
    if lock:
        query = query.with_for_update(of=Assessment).execution_options(populate_existing=True)
    found: Assessment = live_or_gone(
        session.scalar(query), "assessment", assessment_id, include_deleted
    )
    return found


def scored_for_client(
    session: Session, organisation_id: uuid.UUID, client_id: uuid.UUID
) -> Sequence[Assessment]:
    """The client's scored assessments (current versions, preview scores included), oldest
    first."""
    query = _loaded().where(
        Assessment.organisation_id == organisation_id,
        Assessment.client_id == client_id,
        Assessment.latest_score_id.is_not(None),
        Assessment.status.not_in(EDITABLE),
        Assessment.superseded_by_id.is_(None),
        Assessment.deleted_at.is_(None),
    )
    return session.scalars(query.order_by(Assessment.created_at, Assessment.id)).all()


def questionnaire_for(assessment: Assessment) -> Questionnaire:
    return catalog_service.questionnaire_of(assessment.questionnaire)


def default_title(vendor: str, client: str) -> str:
    """ "<vendor> for <client>", shortened to fit the column (both names may be 200 long)."""
    title = f"{vendor} for {client}"
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1].rstrip() + "…"


def check_revision(assessment: Assessment, expected: frozenset[int] | None) -> None:
    if expected is None or assessment.revision in expected:
        return
    raise merging.stale(assessment, expected)


def require_editable(assessment: Assessment, action: str) -> None:
    """Answers change only in a draft, or when a reviewer sent the assessment back."""
    if assessment.status not in EDITABLE:
        state = str(assessment.status).replace("_", " ")
        raise Conflict(
            f"The assessment is {state}, so its answers are locked and it cannot {action}. "
            "A reviewer can request changes, or reopen it (procurement, reviewer or admin role)."
        )


def update_answers(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    patch: Mapping[str, Any],
    expected: frozenset[int] | None,
) -> Assessment:
    """Merge answers (null clears one); one history entry per changed answer.

    A save based on an older revision succeeds when none of the questions it changes were
    changed since (see `merging`); a question changed by both is a 412 naming it.
    """
    plan = merging.plan(session, assessment, patch, expected)
    if plan.conflicts:
        raise merging.conflicted(assessment, plan)
    _apply_plan(session, principal, assessment, patch, plan)
    return assessment


def save_answers(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    patch: Mapping[str, Any],
    expected: frozenset[int] | None,
) -> merging.Plan:
    """Like `update_answers`, but a question changed by both is left out, not refused: the
    returned plan's `conflicts` are for the writer to decide (the web's per-question choice)."""
    plan = merging.plan(session, assessment, patch, expected)
    _apply_plan(session, principal, assessment, patch, plan)
    return plan


def _apply_plan(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    patch: Mapping[str, Any],
    plan: merging.Plan,
) -> None:
    require_editable(assessment, "be answered")
    catalog_service.require_valid_answers(questionnaire_for(assessment), patch)
    _apply_answers(session, assessment, principal, plan.patch, bump=True)
    session.flush()


def _apply_answers(
    session: Session,
    assessment: Assessment,
    principal: Principal,
    patch: Mapping[str, Any],
    *,
    bump: bool,
) -> None:
    current = assessment.answers
    changed = {q: v for q, v in patch.items() if current.get(q) != v}
    if not changed:
        return
    if bump:
        assessment.revision += 1
    for question_id, value in changed.items():
        record_history(
            session,
            assessment,
            principal,
            HistoryKind.ANSWER,
            question_id=question_id,
            old=current.get(question_id),
            new=value,
        )
    assessment.answers = merge(current, changed)
    refresh_progress(assessment)


def refresh_progress(assessment: Assessment) -> None:
    """Store the progress counts a list row shows; call whenever the answers or the pinned
    questionnaire change (list pages read these columns, never the answers)."""
    counts = progress(questionnaire_for(assessment), assessment.answers)
    assessment.progress_answered = counts.answered
    assessment.progress_unknown = counts.unknown
    assessment.progress_visible = counts.visible
    assessment.progress_required_missing = counts.required_missing


def update_assessment(
    session: Session,
    assessment: Assessment,
    data: AssessmentUpdate,
    expected: frozenset[int] | None,
) -> Assessment:
    """Change title or external id (not answers); the revision goes up like any change."""
    check_revision(assessment, expected)
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes:
        external_ids.ensure_free(
            session,
            Assessment,
            assessment.organisation_id,
            changes["external_id"],
            current_id=assessment.id,
        )
    if any(getattr(assessment, field) != value for field, value in changes.items()):
        for field, value in changes.items():
            setattr(assessment, field, value)
        assessment.revision += 1
    session.flush()
    return assessment


def submit(
    session: Session,
    library: Library,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
) -> Assessment:
    """Lock the answers once every visible required question has an answer, and score them.

    The score is a preview for the agency (reviewers decide; the vendor never sees it), written
    in the same transaction: an assessment is never submitted unscored. A version sent back
    with changes requested is resubmitted the same way.
    """
    check_revision(assessment, expected)
    require_editable(assessment, "be submitted again")
    missing = missing_required(questionnaire_for(assessment), assessment.answers)
    if missing:
        raise InvalidInput(
            f"{len(missing)} required question{'s are' if len(missing) > 1 else ' is'} "
            f'unanswered: {", ".join(q.id for q in missing)}. Answer them ("unknown" is an '
            "answer) and submit again.",
            errors=[{"question": q.id, "message": f"required: {q.label}"} for q in missing],
        )
    from service.reviews import clarifications  # noqa: PLC0415 - reviews import this module

    clarifications.note_changed_answers(session, principal, assessment)
    previous = assessment.status
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.revision += 1
    record_transition(session, assessment, principal, HistoryKind.SUBMITTED, previous, None)
    inputs = score_service.current_inputs(score_service.Publisher(session, library), assessment)
    record = score_service.record_score(session, assessment, inputs, ScoreTrigger.SUBMITTED)
    record_history(
        session, assessment, principal, HistoryKind.SCORED, new=score_service.note(record)
    )
    session.flush()
    notify.submitted_and_scored(session, assessment, record)
    notifications.assessment_submitted(session, assessment, principal.label)
    session.flush()
    return assessment


def reopen(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
    reason: str | None = None,
) -> Assessment:
    """Back to draft so answers can change; history and scores are kept.

    An approved version is published and stays as it is: reopening it makes the next version
    (see versions.py), which is what this returns. Anything else returns to draft in place.
    """
    check_revision(assessment, expected)
    if assessment.superseded_by_id is not None:
        raise Conflict(
            f"Version {assessment.version} was already reopened as version "
            f"{assessment.version + 1} (assessment {assessment.superseded_by_id}); work on that."
        )
    if assessment.status is AssessmentStatus.DRAFT:
        raise Conflict("The assessment is already a draft; there is nothing to reopen.")
    if assessment.status is AssessmentStatus.APPROVED:
        return versions.next_version(session, principal, assessment, reason)
    previous = assessment.status
    assessment.status = AssessmentStatus.DRAFT
    assessment.submitted_at = None
    assessment.revision += 1
    record_transition(session, assessment, principal, HistoryKind.REOPENED, previous, reason)
    session.flush()
    notify.transitioned(session, assessment, EventType.ASSESSMENT_REOPENED, reason)
    return assessment
