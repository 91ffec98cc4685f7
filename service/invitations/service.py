"""Vendor invitations: create, list, revoke, and open a link to answer one draft assessment.

The link's token is random (256 bits) and stored only as a SHA-256 hash. A link reaches exactly
one assessment, and only while that assessment is a draft and the invitation is neither
expired, revoked nor used to submit.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus, HistoryKind
from service.auth.permissions import Role
from service.auth.principal import ActorType, Principal
from service.auth.tokens import hash_token
from service.db import utcnow
from service.errors import Conflict, Gone, InvalidInput, NotFound
from service.invitations.models import Invitation
from service.mail import notifications
from service.ratelimits import service as ratelimits
from service.ratelimits.service import Limit, Verdict

DEFAULT_VALID_DAYS = 14
MAX_VALID_DAYS = 60
TOKEN_PREFIX = "svi_"  # noqa: S105 - a public marker, not a secret
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


REQUESTS_PER_LINK = Limit("invitation-token", 300, timedelta(minutes=10))
REQUESTS_PER_IP = Limit("invitation-ip", 600, timedelta(minutes=10))


@dataclass(frozen=True)
class LinkLimits:
    """Requests allowed to invitation pages per link and per IP address in a sliding window.

    Autosave counts too, so the per-link figure leaves room for a long questionnaire.
    """

    per_token: Limit = REQUESTS_PER_LINK
    per_ip: Limit = REQUESTS_PER_IP


def throttle(session: Session, limits: LinkLimits, token: str, ip: str) -> Verdict:
    """Count a request to an invitation page, unless the link or the address is over its limit."""
    return ratelimits.hit(session, [(limits.per_token, token), (limits.per_ip, ip)])


class InvitationStatus(StrEnum):
    WAITING = "waiting"
    OPENED = "opened"
    SUBMITTED = "submitted"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    token: str
    """For the link; shown once and never stored."""


def create_invitation(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    *,
    contact_name: str,
    contact_email: str,
    valid_days: int = DEFAULT_VALID_DAYS,
    due_on: date | None = None,
    agency_contact: str | None = None,
) -> CreatedInvitation:
    """A new link; an earlier live link for the same contact and assessment is superseded.

    A due date also becomes the assessment's due date (the one reminders follow)."""
    if assessment.status is not AssessmentStatus.DRAFT:
        raise Conflict(
            f"The assessment is {assessment.status}: only a draft can be sent to a vendor. "
            "Reopen it first."
        )
    contact_name, contact_email = contact_name.strip(), contact_email.strip().lower()
    _check(contact_name, contact_email, valid_days, due_on)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    _supersede(session, assessment, contact_email, now)
    invitation = Invitation(
        organisation_id=assessment.organisation_id,
        assessment_id=assessment.id,
        contact_name=contact_name,
        contact_email=contact_email,
        token_hash=hash_token(token),
        csrf_token=secrets.token_urlsafe(32),
        created_by=principal.label,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
        due_on=due_on,
        agency_contact=agency_contact,
    )
    session.add(invitation)
    if due_on is not None and due_on != assessment.due_on:
        set_due_date(session, principal, assessment, due_on)
    assessment_service.record_history(
        session, assessment, principal, HistoryKind.INVITATION_CREATED, new=_who(invitation)
    )
    session.flush()
    return CreatedInvitation(invitation=invitation, token=token)


def _who(invitation: Invitation) -> str:
    return f"{invitation.contact_name} <{invitation.contact_email}>"


def _supersede(session: Session, assessment: Assessment, email: str, now: datetime) -> None:
    """One live link per assessment and contact: earlier unused ones stop working."""
    query = select(Invitation).where(
        Invitation.assessment_id == assessment.id,
        Invitation.contact_email == email,
        Invitation.revoked_at.is_(None),
        Invitation.superseded_at.is_(None),
        Invitation.submitted_at.is_(None),
    )
    for earlier in session.scalars(query):
        earlier.superseded_at = now


def set_due_date(
    session: Session, principal: Principal, assessment: Assessment, due_on: date | None
) -> None:
    """Change (or clear) when the answers are due; reminders start over from the new date."""
    old = assessment.due_on
    assessment.due_on = due_on
    assessment_service.record_history(
        session,
        assessment,
        principal,
        HistoryKind.DUE_DATE_CHANGED,
        old=old.isoformat() if old else None,
        new=due_on.isoformat() if due_on else None,
    )
    session.flush()


def email_invitation(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    created: CreatedInvitation,
    link: str,
    sender: str,
) -> None:
    """Queue the invitation e-mail (with the link) in this transaction."""
    invitation = created.invitation
    notifications.invitation_sent(session, invitation, assessment, link, sender)
    invitation.sent_at = utcnow()
    assessment_service.record_history(
        session, assessment, principal, HistoryKind.INVITATION_SENT, new=invitation.contact_email
    )
    session.flush()


def _check(contact_name: str, contact_email: str, valid_days: int, due_on: date | None) -> None:
    problems = []
    if not contact_name or len(contact_name) > 200:
        problems.append({"field": "contact_name", "message": "enter the contact's name"})
    if not _EMAIL.match(contact_email) or len(contact_email) > 320:
        problems.append({"field": "contact_email", "message": "enter an e-mail address"})
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        problems.append(
            {"field": "valid_days", "message": f"must be between 1 and {MAX_VALID_DAYS} days"}
        )
    if due_on is not None and due_on < utcnow().date():
        problems.append({"field": "due_on", "message": "must be today or later"})
    if problems:
        detail = "; ".join(p["message"] for p in problems)
        raise InvalidInput(f"The invitation cannot be sent: {detail}.", errors=problems)


def list_invitations(session: Session, assessment: Assessment) -> list[Invitation]:
    query = (
        select(Invitation)
        .where(Invitation.assessment_id == assessment.id)
        .order_by(Invitation.created_at.desc(), Invitation.id)
    )
    return list(session.scalars(query))


def get_invitation(session: Session, assessment: Assessment, invitation_id: object) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.assessment_id != assessment.id:
        raise NotFound(f"There is no invitation {invitation_id} for this assessment.")
    return invitation


def revoke(
    session: Session, invitation: Invitation, principal: Principal, assessment: Assessment
) -> Invitation:
    """The link stops working at once. Revoking twice is harmless."""
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        assessment_service.record_history(
            session, assessment, principal, HistoryKind.INVITATION_REVOKED, new=_who(invitation)
        )
        session.flush()
    return invitation


def status_of(invitation: Invitation, now: datetime | None = None) -> InvitationStatus:
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.superseded_at is not None:
        return InvitationStatus.SUPERSEDED
    if invitation.submitted_at is not None:
        return InvitationStatus.SUBMITTED
    if invitation.expires_at <= now:
        return InvitationStatus.EXPIRED
    if invitation.last_opened_at is not None:
        return InvitationStatus.OPENED
    return InvitationStatus.WAITING


def open_link(session: Session, token: str, *, lock: bool = False) -> tuple[Invitation, Assessment]:
    """The invitation and its draft assessment, or NotFound / Gone saying why the link is shut."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise NotFound(
            "This link is not valid. Check that you copied the whole link from the e-mail, or "
            "ask the agency that sent it for a new one."
        )
    _ensure_open(invitation)
    assessment = assessment_service.get_assessment(
        session, invitation.organisation_id, invitation.assessment_id, lock=lock
    )
    if assessment.status is not AssessmentStatus.DRAFT:
        raise Gone(
            "The agency has closed this questionnaire for answers, so the link no longer "
            f"accepts changes. Contact {_contact(invitation)} if something needs correcting."
        )
    _opened(session, invitation, assessment)
    return invitation, assessment


def _opened(session: Session, invitation: Invitation, assessment: Assessment) -> None:
    """Note when the link was last used; the first time goes in the assessment's history."""
    now = utcnow()
    if invitation.last_opened_at is None:
        assessment_service.record_history(
            session, assessment, principal_for(invitation), HistoryKind.INVITATION_OPENED
        )
    if invitation.last_opened_at is None or now - invitation.last_opened_at >= timedelta(minutes=1):
        invitation.last_opened_at = now
        session.flush()


def _ensure_open(invitation: Invitation) -> None:
    status = status_of(invitation)
    contact = _contact(invitation)
    if status is InvitationStatus.REVOKED:
        raise Gone(
            "The agency has withdrawn this link, so it no longer opens the questionnaire. "
            f"Contact {contact} if you still need to answer."
        )
    if status is InvitationStatus.SUPERSEDED:
        raise Gone(
            "This link was replaced by a newer one, sent to the same address: use the link "
            f"in the most recent e-mail. Contact {contact} if you cannot find it."
        )
    if status is InvitationStatus.SUBMITTED:
        raise Gone(
            "The questionnaire was submitted with this link, so it can no longer be changed. "
            f"Thank you for your answers. Contact {contact} if something needs correcting."
        )
    if status is InvitationStatus.EXPIRED:
        day = invitation.expires_at.strftime("%d %B %Y")
        raise Gone(
            f"This link expired on {day}. Ask {contact} for a new one; the answers already "
            "saved are kept."
        )


def _contact(invitation: Invitation) -> str:
    """Whom the vendor should ask: the person who invited them, or the agency."""
    return invitation.agency_contact or "the agency that sent it"


def principal_for(invitation: Invitation) -> Principal:
    """The vendor contact, as the answer history shows them.

    The role only matters to route guards, which invitation pages do not use: the link itself
    limits the contact to answering and submitting this one assessment.
    """
    return Principal(
        organisation_id=invitation.organisation_id,
        role=Role.PROCUREMENT,
        actor_type=ActorType.INVITATION,
        actor_id=invitation.id,
        label=f"{invitation.contact_name} <{invitation.contact_email}> (vendor invitation)",
    )


def record_submission(session: Session, invitation: Invitation, assessment: Assessment) -> None:
    invitation.submitted_at = utcnow()
    invitation.submitted_answers = dict(assessment.answers)
    assessment_service.record_history(
        session, assessment, principal_for(invitation), HistoryKind.INVITATION_SUBMITTED
    )
    session.flush()


def submitted_copy(session: Session, token: str) -> tuple[Invitation, Assessment]:
    """The invitation whose answers were submitted with this link, for the vendor's copy."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise NotFound("This link is not valid. Check that you copied the whole link.")
    if status_of(invitation) is not InvitationStatus.SUBMITTED:
        _ensure_open(invitation)
        raise Conflict(
            "There is no copy yet: the answers have not been submitted with this link. Submit "
            "them first; the copy shows what was submitted."
        )
    assessment = assessment_service.get_assessment(
        session, invitation.organisation_id, invitation.assessment_id
    )
    return invitation, assessment


def is_submitted(session: Session, token: str) -> bool:
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    return invitation is not None and status_of(invitation) is InvitationStatus.SUBMITTED
