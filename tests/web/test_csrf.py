"""Every state-changing page route refuses a request without the right CSRF token.

The list below must name every POST (PUT, PATCH, DELETE) route of the web app: a new route
fails `test_every_state_changing_route_is_covered` until it is added here, and so is tested.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessments.models import AssessmentHistory
from service.auth.permissions import Role
from service.vendors.models import Vendor
from tests.web.conftest import World
from tests.web.routes import STATE_CHANGING, fill, page_routes
from tests.web.visitor import Visitor

# A body that the route would accept with a valid token.
FORMS: dict[str, dict[str, Any]] = {
    "sign_in": {"email": "someone@agency.example", "password": "correct horse battery"},
    "sign_out": {},
    "add_vendor": {"name": "Forged Vendor"},
    "edit_vendor": {"name": "Forged name"},
    "add_client": {"name": "Forged Client"},
    "edit_client": {"name": "Forged name"},
    "save_client_environment": {"orchestration": "vms"},
    "preview_client_environment": {"orchestration": "vms"},
    "autosave_client_environment": {"orchestration": "vms"},
    "start_assessment": {},
    "save_answers": {"framework.primary": "jax", "_revision": "1"},
    "autosave_answers": {"framework.primary": "jax", "_revision": "1"},
    "submit_answers": {"framework.primary": "jax", "_revision": "1"},
    "resolve_conflicts": {"choose:framework.primary": "yours", "yours:framework.primary": '"jax"'},
    "reopen_draft": {},
    "upgrade_draft": {"_revision": "1"},
    "invite_vendor": {"contact_name": "Mallory", "contact_email": "m@evil.example"},
    "revoke_invitation": {},
    "save_invitation_answers": {"framework.primary": "jax", "_revision": "1"},
    "autosave_invitation_answers": {"framework.primary": "jax", "_revision": "1"},
    "submit_invitation": {"framework.primary": "jax", "_revision": "1"},
    "set_assessment_due_date": {"due_on": "2030-01-31"},
    "invite_person": {"name": "Mallory", "email": "m@evil.example", "role": "admin"},
    "change_person_role": {"role": "admin"},
    "deactivate_person": {},
    "reactivate_person": {},
    "resend_person_invitation": {},
    "request_password_reset": {"email": "someone@agency.example"},
    "choose_password": {"password": "a forged passphrase", "confirmation": "a forged passphrase"},
    "upload_questionnaire_workbook": {},
    "upload_invitation_workbook": {},
    "upload_assessment_evidence": {"kind": "requirements"},
    "accept_assessment_evidence": {"question": "framework.version"},
    "delete_assessment_evidence": {},
    "upload_invitation_evidence": {"kind": "requirements"},
    "accept_invitation_evidence": {"question": "framework.version"},
    "resolve_invitation_answers": {"_revision": "1"},
    "reply_invitation_clarification": {"message": "Forged reply"},
    "start_review": {},
    "ask_clarification": {"question_id": "framework.primary", "message": "Forged?"},
    "reply_clarification": {"message": "Forged reply"},
    "resolve_clarification": {},
    "request_changes": {},
    "approve": {},
    "save_branding": {"contact_name": "Mallory"},
}
REVIEWER_ROUTES = {
    "start_review",
    "ask_clarification",
    "resolve_clarification",
    "request_changes",
    "approve",
}
PEOPLE = {
    "invite_person",
    "change_person_role",
    "deactivate_person",
    "reactivate_person",
    "resend_person_invitation",
}
"""Admins only: the control sends them as an admin."""


def test_every_state_changing_route_is_covered(app: FastAPI) -> None:
    assert {name for name, _, _ in page_routes(app, STATE_CHANGING)} == set(FORMS)


def test_every_state_changing_route_refuses_a_missing_or_wrong_token(
    app: FastAPI, buyer: Visitor, world: World, session: Session
) -> None:
    changes_before = _changes(session)
    routes = page_routes(app, STATE_CHANGING)
    assert len(routes) == len(FORMS)
    for name, method, template in routes:
        path = fill(template, world.params())
        for token in (None, "forged-token", world.invitation.csrf_token + "x"):
            response = buyer.http.request(
                method, path, data=_form(FORMS[name], token), headers={"Accept": "text/html"}
            )
            assert response.status_code == 403, (name, token, response.status_code)
            assert "security token is missing or wrong" in response.text, name
    assert _changes(session) == changes_before, "a refused request changed something"


def test_the_autosave_header_is_checked_like_the_form_field(buyer: Visitor, world: World) -> None:
    url = f"/assessments/{world.draft.id}/autosave"
    data = {"framework.primary": "jax", "_revision": str(world.draft.revision)}
    refused = buyer.autosave(url, data, **{"X-CSRF-Token": "forged"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "security token is missing or wrong" in refused.json()["detail"]
    assert buyer.autosave(url, data).status_code == 200


def test_cross_site_requests_are_refused_even_with_the_token(buyer: Visitor) -> None:
    response = buyer.post("/vendors", {"name": "Forged"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert "did not come from stackvet" in response.text


def test_the_same_requests_with_the_right_token_get_through(
    app: FastAPI, buyer: Visitor, world: World, signed_in: Callable[[Role], Visitor]
) -> None:
    """The control: what refused the requests above was the token, not the role or the path."""
    # these tokens live in their own cookies; tested in test_sign_in.py, test_password_reset.py
    # and test_people.py
    skip = {"sign_in", "sign_out", "request_password_reset", "choose_password"}
    admin = signed_in(Role.ADMIN)
    reviewer = signed_in(Role.REVIEWER)
    skip.add("save_branding")  # admins only: tests/web/test_branding_page.py saves it
    for name, method, template in page_routes(app, STATE_CHANGING):
        if name in skip:
            continue
        who = admin if name in PEOPLE else reviewer if name in REVIEWER_ROUTES else buyer
        token = (
            world.invitation.csrf_token
            if "invitation_answers" in name
            or name
            in {"submit_invitation", "upload_invitation_workbook", "reply_invitation_clarification"}
            or "invitation_evidence" in name
            else who.csrf
        )
        response = who.http.request(
            method,
            fill(template, world.params()),
            data=_form(FORMS[name], token),
            headers={"Accept": "text/html"},
        )
        assert response.status_code != 403, (name, response.text[:300])


def _form(body: dict[str, Any], token: str | None) -> dict[str, Any]:
    return body if token is None else {**body, "_csrf": token}


def _changes(session: Session) -> tuple[int, int]:
    session.expire_all()
    vendors = session.scalar(select(func.count()).select_from(Vendor)) or 0
    history = session.scalar(select(func.count()).select_from(AssessmentHistory)) or 0
    return vendors, history
