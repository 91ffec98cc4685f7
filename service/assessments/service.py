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
from service.assessments.models import (
    Assessment,
    AssessmentHistory,
    AssessmentStatus,
    HistoryKind,
)
from service.assessments.schemas import AssessmentCreate, AssessmentUpdate
from service.auth.principal import Principal
from service.catalog import service as catalog_service
from service.clients.models import Client
from service.db import utcnow
from service.errors import Conflict, InvalidInput, PreconditionFailed
from service.pagination import PageParams, contains, fetch_page
from service.questionnaires.answers import merge, missing_required
from service.questionnaires.catalog import Catalog
from service.questionnaires.schema import Audience, Questionnaire
from service.scores import service as score_service
from service.scores.models import ScoreTrigger
from service.scoring.library import Library
from service.tombstones.rules import live_or_gone, visible
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
    assessment = Assessment(
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


def _summaries() -> Select[Assessment]:
    """What a list row shows: the vendor's and client's names, not the client's environment.
    (Questionnaire definitions and score details are deferred columns, see their models.)"""
    return select(Assessment).options(
        selectinload(Assessment.vendor).load_only(Vendor.name, Vendor.external_id),
        selectinload(Assessment.client).load_only(Client.name, Client.external_id),
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


def list_assessments(
    session: Session,
    organisation_id: uuid.UUID,
    page: PageParams,
    *,
    vendor_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    status: AssessmentStatus | None = None,
    external_id: str | None = None,
    search: str | None = None,
    include_deleted: bool = False,
) -> tuple[Sequence[Assessment], str | None]:
    """Tombstones are included with `include_deleted`, and in incremental syncs."""
    query = _summaries().where(Assessment.organisation_id == organisation_id)
    syncing = page.updated_since is not None
    query = visible(query, Assessment, include_deleted=include_deleted, syncing=syncing)
    filters = {
        Assessment.vendor_id: vendor_id,
        Assessment.client_id: client_id,
        Assessment.status: status,
        Assessment.external_id: external_id,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if search:
        query = query.where(contains(Assessment.title, search))
    return fetch_page(session, query, Assessment.updated_at, Assessment.id, page)


def scored_for_client(
    session: Session, organisation_id: uuid.UUID, client_id: uuid.UUID
) -> Sequence[Assessment]:
    """The client's scored assessments, oldest first."""
    query = _loaded().where(
        Assessment.organisation_id == organisation_id,
        Assessment.client_id == client_id,
        Assessment.status == AssessmentStatus.SCORED,
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
    wanted = ", ".join(str(r) for r in sorted(expected))
    raise PreconditionFailed(
        f"The assessment is at revision {assessment.revision}, not {wanted}: it changed since "
        "you read it. Fetch it again, re-apply your change and retry.",
        headers={"ETag": f'"{assessment.revision}"'},
    )


def _require_draft(assessment: Assessment, action: str) -> None:
    if assessment.status is not AssessmentStatus.DRAFT:
        raise Conflict(
            f"The assessment is {assessment.status}, so its answers are locked and it cannot "
            f"{action}. Reopen it first (procurement or admin role)."
        )


def update_answers(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    patch: Mapping[str, Any],
    expected: frozenset[int] | None,
) -> Assessment:
    """Merge answers (null clears one); one history entry per changed answer."""
    check_revision(assessment, expected)
    _require_draft(assessment, "be answered")
    catalog_service.require_valid_answers(questionnaire_for(assessment), patch)
    _apply_answers(session, assessment, principal, patch, bump=True)
    session.flush()
    return assessment


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

    The score is written in the same transaction: an assessment is never submitted unscored.
    """
    check_revision(assessment, expected)
    _require_draft(assessment, "be submitted again")
    missing = missing_required(questionnaire_for(assessment), assessment.answers)
    if missing:
        raise InvalidInput(
            f"{len(missing)} required question{'s are' if len(missing) > 1 else ' is'} "
            f'unanswered: {", ".join(q.id for q in missing)}. Answer them ("unknown" is an '
            "answer) and submit again.",
            errors=[{"question": q.id, "message": f"required: {q.label}"} for q in missing],
        )
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.revision += 1
    record_history(session, assessment, principal, HistoryKind.SUBMITTED)
    inputs = score_service.current_inputs(score_service.Publisher(session, library), assessment)
    record = score_service.record_score(session, assessment, inputs, ScoreTrigger.SUBMITTED)
    record_history(
        session, assessment, principal, HistoryKind.SCORED, new=score_service.note(record)
    )
    session.flush()
    notify.submitted_and_scored(session, assessment, record)
    session.flush()
    return assessment


def reopen(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
) -> Assessment:
    """Back to draft so answers can change; history and scores are kept."""
    check_revision(assessment, expected)
    if assessment.status is AssessmentStatus.DRAFT:
        raise Conflict("The assessment is already a draft; there is nothing to reopen.")
    assessment.status = AssessmentStatus.DRAFT
    assessment.submitted_at = None
    assessment.revision += 1
    record_history(session, assessment, principal, HistoryKind.REOPENED)
    session.flush()
    notify.assessment_changed(session, assessment, EventType.ASSESSMENT_REOPENED)
    return assessment


def record_history(
    session: Session,
    assessment: Assessment,
    principal: Principal,
    kind: HistoryKind,
    *,
    question_id: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    """Append one history entry at the assessment's current revision."""
    session.add(
        AssessmentHistory(
            assessment=assessment,
            revision=assessment.revision,
            kind=kind,
            question_id=question_id,
            old_value=old,
            new_value=new,
            actor_type=principal.actor_type,
            actor_id=principal.actor_id,
            actor_label=principal.label,
            created_at=utcnow(),
        )
    )


def history(session: Session, assessment: Assessment) -> Sequence[AssessmentHistory]:
    query = (
        select(AssessmentHistory)
        .where(AssessmentHistory.assessment_id == assessment.id)
        .order_by(
            AssessmentHistory.revision,
            AssessmentHistory.created_at,
            AssessmentHistory.question_id,
        )
    )
    return session.scalars(query).all()
