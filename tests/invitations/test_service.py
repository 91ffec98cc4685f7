"""Invitations: links for one draft, their status, and why a link is shut."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import AssessmentStatus
from service.auth.models import Organisation
from service.auth.principal import ActorType
from service.auth.tokens import hash_token
from service.db import utcnow
from service.errors import Conflict, Gone, InvalidInput, NotFound
from service.invitations import service as invitation_service
from service.invitations.service import InvitationStatus
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders


def test_a_link_is_a_random_token_stored_as_its_hash(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    created = builders.invitation(session, draft, contact_email=" Jane@Vendor.Example ")
    invitation = created.invitation
    assert created.token.startswith("svi_")
    assert len(created.token) > 40
    assert invitation.token_hash == hash_token(created.token)
    assert invitation.contact_email == "jane@vendor.example"
    assert invitation.created_by.endswith("(procurement test key)")
    assert timedelta(days=13, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=14)
    assert invitation_service.status_of(invitation) is InvitationStatus.WAITING
    assert invitation_service.list_invitations(session, draft) == [invitation]


def test_bad_invitations_are_explained(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    with pytest.raises(InvalidInput) as caught:
        builders.invitation(session, draft, contact_name="", contact_email="jane", valid_days=0)
    assert {e["field"]: e["message"] for e in caught.value.errors} == {
        "contact_name": "enter the contact's name",
        "contact_email": "enter an e-mail address",
        "valid_days": "must be between 1 and 60 days",
    }


def test_only_a_draft_can_be_sent(
    session: Session, catalog: Catalog, org: Organisation, library: Library
) -> None:
    scored = builders.assessment(
        session, catalog, org, answers=builders.example("openweave.answers"), submitted=True
    )
    with pytest.raises(Conflict, match="only a draft can be sent to a vendor"):
        builders.invitation(session, scored)


def test_opening_a_link_reaches_its_own_draft_only(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    builders.assessment(session, catalog, org)
    created = builders.invitation(session, draft)
    invitation, assessment = invitation_service.open_link(session, created.token)
    assert assessment is draft
    assert invitation_service.status_of(invitation) is InvitationStatus.OPENED
    principal = invitation_service.principal_for(invitation)
    assert principal.label == "Jane Doe <jane@vendor.example> (vendor invitation)"
    assert (principal.actor_type, principal.actor_id) == (ActorType.INVITATION, invitation.id)


def test_why_a_link_is_shut(
    session: Session, catalog: Catalog, org: Organisation, library: Library
) -> None:
    draft = builders.assessment(session, catalog, org)
    with pytest.raises(NotFound, match="This link is not valid"):
        invitation_service.open_link(session, "svi_unknown")

    expired = builders.invitation(session, draft)
    expired.invitation.expires_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(Gone, match="This link expired on"):
        invitation_service.open_link(session, expired.token)
    assert invitation_service.status_of(expired.invitation) is InvitationStatus.EXPIRED

    revoked = builders.invitation(session, draft)
    actor = builders.principal(session, org)
    invitation_service.revoke(session, revoked.invitation, actor, draft)
    with pytest.raises(Gone, match="The agency has withdrawn this link"):
        invitation_service.open_link(session, revoked.token)

    used = builders.invitation(session, draft)
    invitation_service.record_submission(session, used.invitation, draft)
    with pytest.raises(Gone, match="The questionnaire was submitted with this link"):
        invitation_service.open_link(session, used.token)

    live = builders.invitation(session, draft)
    draft.status = AssessmentStatus.SCORED
    session.flush()
    with pytest.raises(Gone, match="The agency has closed this questionnaire"):
        invitation_service.open_link(session, live.token)


def test_an_invitation_is_found_only_under_its_assessment(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft, other = (
        builders.assessment(session, catalog, org),
        builders.assessment(session, catalog, org),
    )
    created = builders.invitation(session, draft)
    assert (
        invitation_service.get_invitation(session, draft, created.invitation.id)
        is created.invitation
    )
    with pytest.raises(NotFound, match="There is no invitation"):
        invitation_service.get_invitation(session, other, created.invitation.id)


def test_a_new_link_for_the_same_contact_supersedes_the_old_one(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    first = builders.invitation(session, draft)
    other_contact = builders.invitation(session, draft, contact_email="sam@vendor.example")
    second = builders.invitation(session, draft, contact_email="JANE@vendor.example")
    assert invitation_service.status_of(first.invitation) is InvitationStatus.SUPERSEDED
    with pytest.raises(Gone, match="This link was replaced by a newer one") as caught:
        invitation_service.open_link(session, first.token)
    assert "Contact the agency that sent it" in caught.value.detail
    invitation_service.open_link(session, second.token)
    invitation_service.open_link(session, other_contact.token)


def test_the_closed_link_names_the_agency_contact(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    actor = builders.principal(session, org)
    created = invitation_service.create_invitation(
        session,
        actor,
        draft,
        contact_name="Jane Doe",
        contact_email="jane@vendor.example",
        agency_contact="Alice Buyer <alice@agency.example>",
    )
    invitation_service.revoke(session, created.invitation, actor, draft)
    with pytest.raises(Gone) as caught:
        invitation_service.open_link(session, created.token)
    assert "Contact Alice Buyer <alice@agency.example> if you still need to answer" in (
        caught.value.detail
    )


def test_the_history_tells_the_invitation_story(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    actor = builders.principal(session, org)
    created = invitation_service.create_invitation(
        session,
        actor,
        draft,
        contact_name="Jane Doe",
        contact_email="jane@vendor.example",
        due_on=utcnow().date() + timedelta(days=10),
    )
    invitation_service.email_invitation(
        session, actor, draft, created, "https://x.example/invite/t", "Alice"
    )
    invitation_service.open_link(session, created.token)
    invitation_service.open_link(session, created.token)
    invitation_service.record_submission(session, created.invitation, draft)
    invitation_service.revoke(session, created.invitation, actor, draft)
    kinds = [entry.kind.value for entry in assessment_service.history(session, draft)]
    assert kinds == [
        "created",
        "due_date_changed",
        "invitation_created",
        "invitation_sent",
        "invitation_opened",
        "invitation_submitted",
        "invitation_revoked",
    ]
    assert draft.due_on == utcnow().date() + timedelta(days=10)
