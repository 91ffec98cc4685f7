"""E-mails that follow the review workflow and invitations, queued in the caller's transaction.

The workflow (service/assessments), the invitations and the people pages call these; the mail
domain decides who receives what and writes the messages to its outbox (service.mail.outbox),
so an e-mail exists exactly when the change that caused it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.clients.models import Client
from service.config import get_settings
from service.invitations.models import Invitation
from service.mail import outbox, recipients
from service.users.models import User
from service.vendors.models import Vendor


@dataclass(frozen=True)
class ClarificationNotice:
    """One open clarification request, as the respondent reads it in an e-mail."""

    question_id: str
    question_label: str
    request: str


def _about(session: Session, assessment: Assessment) -> dict[str, Any]:
    """What every message about an assessment names: agency, vendor, client, title, link."""
    organisation = session.get(Organisation, assessment.organisation_id)
    vendor = session.get(Vendor, assessment.vendor_id)
    client = session.get(Client, assessment.client_id)
    return {
        "agency": organisation.name if organisation else "stackvet",
        "vendor": vendor.name if vendor else "the vendor",
        "client": client.name if client else "the client",
        "title": assessment.title,
        "assessment_link": f"{get_settings().public_url.rstrip('/')}/assessments/{assessment.id}",
    }


def invitation_sent(
    session: Session, invitation: Invitation, assessment: Assessment, link: str, sender: str
) -> None:
    """The vendor contact's invitation, with the link (scrubbed from the outbox once sent)."""
    context = {
        **_about(session, assessment),
        "contact_name": invitation.contact_name,
        "sender": sender,
        "sender_email": invitation.agency_contact,
        "link": link,
        "due": invitation.due_on,
        "expires": invitation.expires_at,
    }
    outbox.queue(
        session,
        assessment.organisation_id,
        "invitation",
        invitation.contact_email,
        context,
        sensitive=True,
    )


def assessment_submitted(session: Session, assessment: Assessment, actor_label: str) -> None:
    """The respondent submitted (or resubmitted): tell the organisation's reviewers."""
    about = _about(session, assessment)
    context = {**about, "actor": actor_label, "link": about["assessment_link"]}
    for user in recipients.reviewers(session, assessment.organisation_id):
        outbox.queue(session, assessment.organisation_id, "submitted", user.email, context)


def changes_requested(
    session: Session,
    assessment: Assessment,
    requests: Sequence[ClarificationNotice],
    reason: str | None,
) -> None:
    """A reviewer sent the assessment back: tell the respondent which questions to revisit."""
    respondent = recipients.respondent(session, assessment)
    if respondent is None:
        return
    about = _about(session, assessment)
    link = None if respondent.via_invitation else about["assessment_link"]
    context = {
        **about,
        "name": respondent.name,
        "requests": list(requests),
        "reason": reason,
        "link": link,
    }
    outbox.queue(
        session, assessment.organisation_id, "changes_requested", respondent.email, context
    )


def assessment_approved(
    session: Session, assessment: Assessment, conditions: Sequence[str], actor_label: str
) -> None:
    """A reviewer approved (with optional conditions): tell the respondent and the owner."""
    about = _about(session, assessment)
    respondent = recipients.respondent(session, assessment)
    owner = recipients.owner(session, assessment)
    sent_to: set[str] = set()
    for person, link in (
        (
            respondent,
            None if respondent and respondent.via_invitation else about["assessment_link"],
        ),
        (
            recipients.Recipient(owner.name, owner.email) if owner else None,
            about["assessment_link"],
        ),
    ):
        if person is None or person.email in sent_to:
            continue
        sent_to.add(person.email)
        context = {
            **about,
            "name": person.name,
            "actor": actor_label,
            "conditions": list(conditions),
            "link": link,
        }
        outbox.queue(session, assessment.organisation_id, "approved", person.email, context)


def user_invited(
    session: Session,
    user: User,
    organisation: Organisation,
    inviter: str,
    link: str,
    expires: datetime,
) -> None:
    context = {
        "agency": organisation.name,
        "name": user.name,
        "email": user.email,
        "role": user.role.value.replace("_", " "),
        "inviter": inviter,
        "link": link,
        "expires": expires,
    }
    outbox.queue(session, organisation.id, "user_invitation", user.email, context, sensitive=True)


def password_reset(
    session: Session, user: User, organisation: Organisation, link: str, valid_minutes: int
) -> None:
    context = {
        "agency": organisation.name,
        "name": user.name,
        "email": user.email,
        "link": link,
        "valid_minutes": valid_minutes,
    }
    outbox.queue(session, organisation.id, "password_reset", user.email, context, sensitive=True)


def reminder(
    session: Session,
    assessment: Assessment,
    respondent: recipients.Recipient,
    *,
    due: date,
    today: date,
    dedupe_key: str,
) -> None:
    about = _about(session, assessment)
    invitation = respondent.via_invitation
    days_left = (due - today).days
    context = {
        **about,
        "name": respondent.name,
        "due": due,
        "days_left": days_left,
        "overdue": days_left < 0,
        "link": None if invitation else about["assessment_link"],
        "invited_on": invitation.created_at if invitation else None,
        "contact": invitation.agency_contact if invitation else None,
    }
    outbox.queue(
        session,
        assessment.organisation_id,
        "reminder",
        respondent.email,
        context,
        dedupe_key=dedupe_key,
    )
