"""Every page that names an object answers another organisation with the same 404 page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.orm import Session

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.conftest import World, make_world
from tests.web.routes import fill, page_routes
from tests.web.visitor import Visitor

ALL_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Invitation links are reached by their token, not by an organisation's ids (see
# tests/web/test_invitation_pages.py); the sign-in routes name no object.
NOT_ORGANISATION_OBJECTS = {
    "show_invitation",
    "save_invitation_answers",
    "autosave_invitation_answers",
    "submit_invitation",
    "download_invitation_answers",
    "show_choose_password",
    "choose_password",
    "download_invitation_workbook",
    "download_invitation_answers_workbook",
    "upload_invitation_workbook",
    "download_assessment_list",  # the organisation's own list, filtered: no object named
    "upload_invitation_evidence",
    "accept_invitation_evidence",
    "resolve_invitation_answers",
    "reply_invitation_clarification",
}


def object_pages(app: FastAPI) -> list[tuple[str, str, str]]:
    return [
        route
        for route in page_routes(app, ALL_METHODS)
        if "{" in route[2] and route[0] not in NOT_ORGANISATION_OBJECTS
    ]


EXPECTED = {
    "show_vendor",
    "edit_vendor",
    "show_client",
    "edit_client",
    "save_client_environment",
    "preview_client_environment",
    "autosave_client_environment",
    "show_assessment",
    "show_answers",
    "show_history",
    "save_answers",
    "autosave_answers",
    "submit_answers",
    "resolve_conflicts",
    "reopen_draft",
    "upgrade_draft",
    "invite_vendor",
    "revoke_invitation",
    "download_report",
    "show_comparison",
    "download_comparison",
    "set_assessment_due_date",
    "change_person_role",
    "deactivate_person",
    "reactivate_person",
    "resend_person_invitation",
    "download_questionnaire_workbook",
    "upload_questionnaire_workbook",
    "download_findings",
    "upload_assessment_evidence",
    "accept_assessment_evidence",
    "delete_assessment_evidence",
    "start_review",
    "ask_clarification",
    "reply_clarification",
    "resolve_clarification",
    "request_changes",
    "approve",
}


def test_every_object_page_is_covered(app: FastAPI) -> None:
    assert {name for name, _, _ in object_pages(app)} == EXPECTED


def test_another_organisations_ids_get_the_not_found_page(
    app: FastAPI,
    session: Session,
    catalog: Catalog,
    signed_in: Callable[[Role], Visitor],
) -> None:
    victim = make_world(session, catalog, builders.organisation(session, "Victim Agency"))
    intruder = signed_in(Role.ADMIN)
    for name, method, template in object_pages(app):
        for params in (
            victim.params(),
            {**victim.params(), "assessment_id": str(victim.scored.id)},
        ):
            response = intruder.http.request(
                method,
                fill(template, params),
                data={
                    "_csrf": intruder.csrf,
                    "_revision": "1",
                    "contact_name": "x",
                    "role": "admin",
                },
            )
            assert response.status_code == 404, (name, response.status_code, response.text[:200])
            assert "Page not found" in response.text, name
            assert "There is no" in response.text, name
            assert victim.draft.title not in response.text


def test_the_own_organisations_pages_open(buyer: Visitor, world: World) -> None:
    """The control: the same pages do open for their own organisation."""
    for path in (
        f"/vendors/{world.draft.vendor_id}",
        f"/clients/{world.draft.client_id}",
        f"/assessments/{world.draft.id}",
        f"/assessments/{world.scored.id}",
        f"/assessments/{world.scored.id}/history",
        f"/assessments/{world.draft.id}/answers",
        f"/compare/{world.draft.client_id}",
    ):
        assert buyer.get(path).status_code == 200, path


def test_an_invitation_of_another_organisation_cannot_be_revoked(
    buyer: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    victim = make_world(session, catalog, builders.organisation(session, "Victim Agency"))
    own_draft, their_invitation = world.draft.id, victim.invitation.id
    response = buyer.post(f"/assessments/{own_draft}/invitations/{their_invitation}/revoke")
    assert response.status_code == 404
    assert "There is no invitation" in response.text
    session.refresh(victim.invitation)
    assert victim.invitation.revoked_at is None
