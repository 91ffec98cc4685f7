"""Inviting a vendor contact to answer a draft, and revoking the link."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import Request
from fastapi.responses import Response

from service.assessments import service as assessment_service
from service.dependencies import DbSession
from service.errors import InvalidInput, ServiceError
from service.invitations import service as invitation_service
from service.web.assessment_pages import questionnaire_page
from service.web.auth import Editor, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages
from service.web.pages import page, redirect

router = signed_in_router()


@router.post("/assessments/{assessment_id}/invitations")
def invite_vendor(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Create a link for a vendor contact; the page shows it once, to copy into an e-mail."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    values = fields(form, "contact_name", "contact_email", "valid_days", "due_on", "send_email")
    days = values["valid_days"] or str(invitation_service.DEFAULT_VALID_DAYS)
    due_on = parse_day(values["due_on"])
    link_base = str(request.base_url).rstrip("/") + "/invite/"

    def create() -> invitation_service.CreatedInvitation:
        if isinstance(due_on, InvalidInput):
            raise due_on
        created = invitation_service.create_invitation(
            session,
            user.principal,
            assessment,
            contact_name=values["contact_name"] or "",
            contact_email=values["contact_email"] or "",
            valid_days=int(days) if days.isdigit() else 0,
            due_on=due_on,
            agency_contact=f"{user.user.name} <{user.user.email}>",
        )
        if values["send_email"]:
            invitation_service.email_invitation(
                session,
                user.principal,
                assessment,
                created,
                link_base + created.token,
                user.user.name,
            )
        return created

    created = attempt(session, create)
    if isinstance(created, InvalidInput):
        return questionnaire_page(
            request,
            session,
            user,
            assessment,
            status=422,
            invite_values=values,
            invite_errors=invitation_messages(created),
        )
    if isinstance(created, ServiceError):
        raise created
    link = link_base + created.token
    context = {"assessment": assessment, "invitation": created.invitation, "link": link}
    return page(request, session, user, "assessments/invitation_created.html", context, status=201)


INVITATION_MESSAGES = {
    "contact_name": "Enter the name of the person at the vendor, up to 200 characters.",
    "contact_email": "Enter their e-mail address, such as jane@vendor.example.",
    "due_on": "Enter the due date as a day from today on, such as 2027-01-31.",
    "valid_days": (
        f"Enter how many days the link stays valid, a whole number from 1 to "
        f"{invitation_service.MAX_VALID_DAYS}."
    ),
}


def parse_day(value: str | None) -> date | InvalidInput | None:
    """A date field (`YYYY-MM-DD`, what browsers send); blank is None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return InvalidInput(
            f"'{value}' is not a date.", errors=[{"field": "due_on", "message": "not a date"}]
        )


def invitation_messages(error: InvalidInput) -> dict[str, str]:
    """The service's refusals, worded for the person filling in the form."""
    return {
        name: INVITATION_MESSAGES.get(name, message)
        for name, message in service_messages(error).items()
    }


@router.post("/assessments/{assessment_id}/invitations/{invitation_id}/revoke")
def revoke_invitation(
    assessment_id: uuid.UUID, invitation_id: uuid.UUID, session: DbSession, user: Editor
) -> Response:
    """Stop a link from working, at once."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    invitation = invitation_service.get_invitation(session, assessment, invitation_id)
    invitation_service.revoke(session, invitation, user.principal, assessment)
    flash = f"The link for {invitation.contact_name} is revoked: it no longer opens anything."
    return redirect(session, user, f"/assessments/{assessment_id}#invitations", flash)


@router.post("/assessments/{assessment_id}/due-date")
def set_assessment_due_date(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Set or clear when the answers are due; reminders start over from the new date."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id, lock=True
    )
    due_on = parse_day(fields(form, "due_on")["due_on"])
    if isinstance(due_on, InvalidInput):
        raise due_on
    invitation_service.set_due_date(session, user.principal, assessment, due_on)
    flash = f"The answers are now due by {due_on:%d %b %Y}." if due_on else "No due date now."
    return redirect(session, user, f"/assessments/{assessment_id}#invitations", flash)
