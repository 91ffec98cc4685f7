"""Vendor invitations: the agency creates and revokes links; the vendor answers through one."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import AssessmentStatus
from service.auth.tokens import hash_token
from service.db import utcnow
from service.invitations.models import Invitation
from service.invitations.service import LinkLimits
from service.ratelimits.service import Limit
from service.web.limits import WebLimits
from tests import builders
from tests.web.conftest import World
from tests.web.visitor import Visitor, csrf_in, revision_in


def vendor_form(page: str, **answers: object) -> dict[str, object]:
    return {"_csrf": csrf_in(page), "_revision": revision_in(page), **answers}


def test_creating_an_invitation_shows_the_link_once(
    buyer: Visitor, world: World, session: Session
) -> None:
    response = buyer.post(
        f"/assessments/{world.draft.id}/invitations",
        {"contact_name": "Jane Doe", "contact_email": "Jane@Vendor.example", "valid_days": "7"},
    )
    assert response.status_code == 201
    assert "Copy this link now:" in response.text
    link = response.text.split('id="invite-link" type="text" value="')[1].split('"')[0]
    token = link.rsplit("/", 1)[1]
    assert link == f"http://testserver/invite/{token}"
    stored = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).one()
    assert stored.token_hash == hash_token(token)
    assert stored.contact_name == "Jane Doe"
    assert token not in (stored.token_hash, stored.csrf_token), "only the hash is stored"
    assert stored.contact_email == "jane@vendor.example"
    assert timedelta(days=6, hours=23) < stored.expires_at - utcnow() <= timedelta(days=7)
    listing = buyer.get(f"/assessments/{world.draft.id}").text
    assert "Jane Doe" in listing
    assert "Waiting" in listing
    assert token not in listing


def test_invitation_form_messages(buyer: Visitor, world: World) -> None:
    response = buyer.post(
        f"/assessments/{world.draft.id}/invitations",
        {"contact_name": " ", "contact_email": "not-an-address", "valid_days": "90"},
    )
    assert response.status_code == 303, "post/redirect/get"
    assert response.headers["location"] == f"/assessments/{world.draft.id}#invite-form"
    page = buyer.get(response.headers["location"]).text
    assert "Contact name: Enter the name of the person at the vendor" in page
    assert "Contact e-mail: Enter their e-mail address, such as jane@vendor.example." in page
    assert (
        "Valid for (days, 1 to 60): Enter how many days the link stays valid, a whole number "
        "from 1 to 60." in page
    )
    assert "Please correct 3 fields:" in page, "summarised above the form"
    assert '<a href="#f-contact_email" data-focus-link>Contact e-mail</a>' in page
    assert 'value="not-an-address"' in page, "what was typed is kept"


def test_only_drafts_can_be_sent(buyer: Visitor, world: World) -> None:
    response = buyer.post(
        f"/assessments/{world.scored.id}/invitations",
        {"contact_name": "Jane", "contact_email": "jane@vendor.example"},
    )
    assert response.status_code == 409
    assert "can be sent to a vendor" in response.text


def test_the_vendor_sees_only_the_questionnaire(
    visitor: Visitor, world: World, session: Session
) -> None:
    world.draft.client.description = "Confidential: budget is tight"
    world.draft.vendor.description = "Agency note: they were late last time"
    session.commit()
    page = visitor.get(f"/invite/{world.token}")
    assert page.status_code == 200
    text = page.text
    assert "asks " + world.draft.vendor.name in text
    assert "Which machine learning framework are the models built and run with?" in text
    for secret in (
        world.draft.client.name,
        world.draft.title,
        "Confidential",
        "Agency note",
        "Integration risk",
        "Technical currency",
        "/assessments/",
        "/clients",
        "Sign out",
    ):
        assert secret not in text, secret
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "same-origin"


def test_the_vendor_saves_comes_back_and_submits(
    visitor: Visitor, buyer: Visitor, world: World, session: Session
) -> None:
    page = visitor.get(f"/invite/{world.token}").text
    saved = visitor.http.post(
        f"/invite/{world.token}/answers", data=vendor_form(page, **{"framework.primary": "jax"})
    )
    assert saved.status_code == 303
    again = visitor.get(saved.headers["location"]).text
    assert "Draft saved." in again
    assert '<option value="jax" selected>' in again

    autosaved = visitor.http.post(
        f"/invite/{world.token}/autosave",
        data=vendor_form(again, **{"framework.primary": "other"}),
        headers={"Accept": "application/json"},
    )
    assert autosaved.status_code == 200
    assert "framework.other_name" in autosaved.json()["visible"]

    latest = visitor.get(f"/invite/{world.token}").text
    incomplete = visitor.http.post(
        f"/invite/{world.token}/submit", data=vendor_form(latest, **{"framework.primary": "jax"})
    )
    assert incomplete.status_code == 303, "post/redirect/get, to the link's own page"
    assert incomplete.headers["location"] == f"/invite/{world.token}#missing"
    shown = visitor.get(f"/invite/{world.token}").text
    assert "to answer or correct, in" in shown

    complete = vendor_form(shown, **builders.example("openweave.answers"))
    done = visitor.http.post(f"/invite/{world.token}/submit", data=complete)
    assert done.status_code == 200
    assert "Thank you, Jane Doe" in done.text
    assert "Recommended" not in done.text
    assert "risk" not in done.text.lower()
    session.refresh(world.draft)
    assert world.draft.status is AssessmentStatus.SUBMITTED

    locked = visitor.get(f"/invite/{world.token}")
    assert locked.status_code == 200
    assert "for review and cannot be changed now" in locked.text
    assert "Recommended" not in locked.text
    history = buyer.get(f"/assessments/{world.draft.id}/history").text
    assert "Jane Doe &lt;jane@vendor.example&gt; (vendor invitation)" in history


def test_a_revoked_link_accepts_nothing(
    buyer: Visitor, visitor: Visitor, world: World, session: Session
) -> None:
    page = visitor.get(f"/invite/{world.token}").text
    revoked = buyer.post(f"/assessments/{world.draft.id}/invitations/{world.invitation.id}/revoke")
    assert revoked.status_code == 303
    assert "is revoked: it no longer opens anything" in buyer.get(revoked.headers["location"]).text
    for response in (
        visitor.get(f"/invite/{world.token}"),
        visitor.http.post(
            f"/invite/{world.token}/answers", data=vendor_form(page, **{"framework.primary": "jax"})
        ),
    ):
        assert response.status_code == 410
        assert "The agency has withdrawn this link" in response.text
    autosave = visitor.http.post(
        f"/invite/{world.token}/autosave",
        data=vendor_form(page),
        headers={"Accept": "application/json"},
    )
    assert autosave.status_code == 410
    assert autosave.json()["status"] == "closed"
    session.refresh(world.draft)
    assert world.draft.answers == {"framework.primary": "pytorch"}


def test_an_expired_link_says_when_it_expired(
    visitor: Visitor, world: World, session: Session
) -> None:
    world.invitation.expires_at = utcnow() - timedelta(days=1)
    session.commit()
    response = visitor.get(f"/invite/{world.token}")
    assert response.status_code == 410
    assert f"This link expired on {world.invitation.expires_at:%d %B %Y}" in response.text
    assert "Traceback" not in response.text


def test_an_unknown_link_is_a_clear_404(visitor: Visitor) -> None:
    response = visitor.get("/invite/svi_not-a-real-token")
    assert response.status_code == 404
    assert "This link is not valid" in response.text


def test_the_link_locks_when_the_agency_submits(
    visitor: Visitor, buyer: Visitor, world: World
) -> None:
    form = {"_revision": str(world.draft.revision), **builders.example("openweave.answers")}
    assert buyer.post(f"/assessments/{world.draft.id}/submit", form).status_code == 303
    response = visitor.get(f"/invite/{world.token}")
    assert response.status_code == 200
    assert "for review and cannot be changed now" in response.text
    assert 'action="/invite/' not in response.text  # no answer form while in review


def test_the_token_reaches_nothing_else(visitor: Visitor, world: World) -> None:
    visitor.get(f"/invite/{world.token}")
    for path in (
        f"/assessments/{world.scored.id}",
        f"/assessments/{world.draft.id}",
        f"/assessments/{world.scored.id}/report.pdf",
        f"/invite/{world.token}/{world.scored.id}",
    ):
        response = visitor.get(path)
        assert response.status_code in {303, 404}, path
        assert world.scored.title not in response.text


def test_invitation_pages_are_rate_limited(app: FastAPI, visitor: Visitor, world: World) -> None:
    window = LinkLimits().per_token.window
    app.state.web_limits = WebLimits(
        invitation_links=LinkLimits(per_token=Limit("invitation-token", 3, window))
    )
    for _ in range(3):
        assert visitor.get(f"/invite/{world.token}").status_code == 200
    refused = visitor.get(f"/invite/{world.token}")
    assert refused.status_code == 429
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    assert "This link has had too many requests in a short time" in refused.text


def test_unknown_tokens_count_against_the_address(
    app: FastAPI, visitor: Visitor, world: World
) -> None:
    window = LinkLimits().per_ip.window
    app.state.web_limits = WebLimits(
        invitation_links=LinkLimits(per_ip=Limit("invitation-ip", 3, window))
    )
    for number in range(3):
        assert visitor.get(f"/invite/svi_guess{number}").status_code == 404
    assert visitor.get(f"/invite/{world.token}").status_code == 429


def test_the_vendor_and_the_agency_on_the_same_question_get_a_choice(
    visitor: Visitor, buyer: Visitor, world: World, session: Session
) -> None:
    opened = visitor.get(f"/invite/{world.token}").text
    agency = buyer.get(f"/assessments/{world.draft.id}").text
    agency_form = {"_revision": revision_in(agency), "framework.primary": "jax"}
    assert buyer.post(f"/assessments/{world.draft.id}/answers", agency_form).status_code == 303

    # The vendor's page still shows PyTorch; a change elsewhere merges.
    merged = visitor.http.post(
        f"/invite/{world.token}/answers",
        data=vendor_form(opened, **{"framework.primary": "pytorch", "hardware.gpu": "required"}),
    )
    assert merged.headers["location"] == f"/invite/{world.token}?saved=1"
    clashing = visitor.http.post(
        f"/invite/{world.token}/answers",
        data=vendor_form(opened, **{"framework.primary": "tensorflow"}),
    )
    assert clashing.status_code == 303
    assert clashing.headers["location"] == f"/invite/{world.token}#conflict"
    page = visitor.get(f"/invite/{world.token}").text
    box = page.split('id="conflict"')[1].split("</form>")[0]
    assert "JAX" in box
    assert "TensorFlow (including Keras on TensorFlow)" in box
    assert f'action="/invite/{world.token}/resolve"' in page
    choice = {
        "_csrf": csrf_in(page),
        "_revision": revision_in(page),
        "choose:framework.primary": "yours",
        "yours:framework.primary": '"tensorflow"',
    }
    chosen = visitor.http.post(f"/invite/{world.token}/resolve", data=choice)
    assert chosen.status_code == 303
    assert 'id="conflict"' not in visitor.get(f"/invite/{world.token}").text
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "tensorflow"
    assert world.draft.answers["hardware.gpu"] == "required"
