"""Who the review workflow's e-mails go to, and what they say (queued in the caller's
transaction: nothing is queued when it rolls back)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import AssessmentHistory, HistoryKind
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.auth.principal import ActorType
from service.invitations import service as invitation_service
from service.mail import notifications
from service.mail.models import MailMessage
from service.mail.notifications import ClarificationNotice
from service.questionnaires.catalog import Catalog
from tests import builders


def queued(session: Session) -> dict[str, MailMessage]:
    return {m.recipient: m for m in session.scalars(select(MailMessage))}


def started_by(session: Session, assessment_id: object, email: str, org: Organisation) -> None:
    user = builders.user(session, org, Role.PROCUREMENT, email=email, name="Olive Owner")
    entry = session.scalar(
        select(AssessmentHistory).where(
            AssessmentHistory.assessment_id == assessment_id,
            AssessmentHistory.kind == HistoryKind.CREATED,
        )
    )
    assert entry is not None
    entry.actor_type, entry.actor_id = ActorType.USER, user.id
    session.flush()


def test_submitted_goes_to_procurement_people_but_not_the_deactivated_or_account_leads(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    builders.user(session, org, Role.PROCUREMENT, email="buyer@agency.example")
    builders.user(session, org, Role.ACCOUNT_LEAD, email="lead@agency.example")
    gone = builders.user(session, org, Role.PROCUREMENT, email="gone@agency.example")
    gone.deactivated_at = gone.created_at
    other_org = builders.organisation(session)
    builders.user(session, other_org, Role.PROCUREMENT, email="elsewhere@other.example")
    draft = builders.assessment(session, catalog, org)
    notifications.assessment_submitted(session, draft, "Jane Doe (vendor invitation)")
    assert set(queued(session)) == {"buyer@agency.example"}


def test_changes_requested_goes_to_the_invited_contact_with_the_questions(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org, title="Vision pilot")
    builders.invitation(session, draft, contact_name="Jane Doe", contact_email="jane@v.example")
    requests = [
        ClarificationNotice("framework.version", "Framework version", "Which CUDA version?"),
        ClarificationNotice("serving.stack", "Serving stack", "Is vLLM pinned?"),
    ]
    notifications.changes_requested(session, draft, requests, "Two answers need detail.")
    message = queued(session)["jane@v.example"]
    assert message.subject == "Changes requested: Vision pilot"
    for text in ("Hello Jane Doe,", "revisit 2 questions", "Which CUDA version?", "Two answers"):
        assert text in message.text_body
    assert "<li" in message.html_body
    assert "Framework version" in message.html_body
    assert "the link in your invitation e-mail" in message.text_body


def test_approved_goes_to_the_respondent_and_the_owner_once_each(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org, title="Vision pilot")
    started_by(session, draft.id, "olive@agency.example", org)
    notifications.assessment_approved(session, draft, ["Pin CUDA 12.4"], "Rita Reviewer")
    assert set(queued(session)) == {"olive@agency.example"}, "the owner is also the respondent"
    invited = builders.invitation(session, draft, contact_email="jane@v.example")
    assert invited
    notifications.assessment_approved(session, draft, ["Pin CUDA 12.4"], "Rita Reviewer")
    jane = queued(session)["jane@v.example"]
    assert jane.subject == "Approved: Vision pilot"
    assert "- Pin CUDA 12.4" in jane.text_body
    assert "/assessments/" not in jane.text_body, "the vendor gets no link into the agency's app"


def test_a_revoked_invitation_is_not_the_respondent(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    created = builders.invitation(session, draft, contact_email="jane@v.example")
    invitation_service.revoke(session, created.invitation, builders.principal(session, org), draft)
    notifications.changes_requested(session, draft, [], None)
    assert queued(session) == {}, "no contact and no person started it: nobody to tell"


def test_nothing_is_queued_when_the_change_rolls_back(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    builders.user(session, org, Role.PROCUREMENT, email="buyer@agency.example")
    draft = builders.assessment(session, catalog, org)
    session.commit()
    savepoint = session.begin_nested()
    notifications.assessment_submitted(session, draft, "x")
    savepoint.rollback()
    assert queued(session) == {}
