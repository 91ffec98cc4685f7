"""People: the admin page to invite users by e-mail, change their roles and deactivate them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import Response

from service.auth.permissions import Role
from service.dependencies import DbSession
from service.errors import InvalidInput, ServiceError
from service.users import people
from service.users import service as users_service
from service.web.auth import PeopleAdmin, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages, text
from service.web.pages import page, redirect

router = signed_in_router()

ROLE_HINTS = {
    Role.ADMIN: "everything, including people, API keys and webhooks",
    Role.PROCUREMENT: "vendors, clients, assessments and invitations",
    Role.ACCOUNT_LEAD: "reads and downloads reports",
}
FIELD_MESSAGES = {
    "email": "Enter their e-mail address, such as sam@agency.example.",
    "name": "Enter their name, up to 200 characters.",
    "role": "Choose a role.",
}


def _role(value: str) -> Role | None:
    return Role(value) if value in {r.value for r in users_service.WEB_ROLES} else None


@router.get("/people")
def list_people(request: Request, session: DbSession, user: PeopleAdmin) -> Response:
    """Everyone in the organisation, and the form to invite someone."""
    return _page(request, session, user, {"role": Role.PROCUREMENT.value}, {})


def _page(
    request: Request,
    session: DbSession,
    user: PeopleAdmin,
    values: Mapping[str, object],
    errors: Mapping[str, str],
    status: int = 200,
) -> Response:
    everyone = people.list_people(session, user.principal.organisation_id)
    context = {
        "people": everyone,
        "roles": [(role.value, ROLE_HINTS[role]) for role in users_service.WEB_ROLES],
        "values": values,
        "errors": errors,
        "pending": {p.id for p in everyone if p.password_hash == people.NO_PASSWORD},
    }
    return page(request, session, user, "people/list.html", context, status=status, nav="people")


@router.post("/people")
def invite_person(request: Request, session: DbSession, user: PeopleAdmin, form: Form) -> Response:
    """Create the user and e-mail them a link to choose their password."""
    values = fields(form, "email", "name", "role")
    link_base = str(request.base_url).rstrip("/") + "/password/"
    outcome = attempt(
        session,
        lambda: people.invite(
            session,
            user.user.organisation,
            user.principal,
            email=values["email"] or "",
            name=values["name"] or "",
            role=_role(values["role"] or "") or Role.INTEGRATION,
            link_base=link_base,
        ),
    )
    if isinstance(outcome, ServiceError) and outcome.errors:
        messages = {k: FIELD_MESSAGES.get(k, m) for k, m in service_messages(outcome).items()}
        if outcome.status == 409:
            messages = service_messages(outcome)
        return _page(request, session, user, values, messages, status=outcome.status)
    if isinstance(outcome, ServiceError):
        raise outcome
    flash = f"Invitation sent to {outcome.email}: they choose a password with the link in it."
    return redirect(session, user, "/people", flash)


@router.post("/people/{user_id}/role")
def change_person_role(
    user_id: uuid.UUID, session: DbSession, user: PeopleAdmin, form: Form
) -> Response:
    """Give someone another role; it applies from their next page."""
    person = people.get_person(session, user.principal.organisation_id, user_id)
    role = _role(text(form, "role"))
    if role is None:
        raise InvalidInput("Choose a role.", errors=[{"field": "role", "message": "choose a role"}])
    people.change_role(session, user.principal, person, role)
    label = role.value.replace("_", " ")
    return redirect(session, user, "/people", f"{person.name} is now {label}.")


@router.post("/people/{user_id}/deactivate")
def deactivate_person(user_id: uuid.UUID, session: DbSession, user: PeopleAdmin) -> Response:
    """They are signed out everywhere and cannot sign in again; their history stays."""
    person = people.get_person(session, user.principal.organisation_id, user_id)
    people.deactivate(session, user.principal, person)
    return redirect(session, user, "/people", f"{person.name} is deactivated and signed out.")


@router.post("/people/{user_id}/reactivate")
def reactivate_person(user_id: uuid.UUID, session: DbSession, user: PeopleAdmin) -> Response:
    person = people.get_person(session, user.principal.organisation_id, user_id)
    people.reactivate(session, person)
    return redirect(session, user, "/people", f"{person.name} can sign in again.")


@router.post("/people/{user_id}/invitation")
def resend_person_invitation(
    user_id: uuid.UUID, request: Request, session: DbSession, user: PeopleAdmin
) -> Response:
    """A new link by e-mail; the earlier one stops working."""
    person = people.get_person(session, user.principal.organisation_id, user_id)
    link_base = str(request.base_url).rstrip("/") + "/password/"
    people.send_invitation(session, user.user.organisation, user.principal, person, link_base)
    return redirect(session, user, "/people", f"A new invitation is on its way to {person.email}.")
