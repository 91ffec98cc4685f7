"""Invitations by e-mail (received by a real SMTP server), due dates on the dashboard and the
assessment page, and the vendor's PDF copy of the answers they submitted."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import utcnow
from service.invitations.models import Invitation
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.api import Caller
from tests.smtp import Mailbox, deliver, parts
from tests.web.conftest import World
from tests.web.visitor import Visitor


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_invitation_is_e_mailed_and_the_link_still_shown_once(
    buyer: Visitor,
    visitor: Visitor,
    world: World,
    session: Session,
    session_factory: sessionmaker[Session],
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    due = utcnow().date() + timedelta(days=10)
    response = buyer.post(
        f"/assessments/{world.draft.id}/invitations",
        {
            "contact_name": "Jane Doe",
            "contact_email": "jane@vendor.example",
            "valid_days": "14",
            "due_on": due.isoformat(),
            "send_email": "1",
        },
    )
    assert response.status_code == 201
    assert "The invitation is on its way to jane@vendor.example" in response.text
    shown = re.search(r'id="invite-link" type="text" value="([^"]+)"', response.text)
    assert shown

    # (the world's submitted assessment also told its reviewers: that message is not this one)
    assert deliver(session_factory, library, settings, mailbox) >= 1
    [message] = mailbox.by_recipient("jane@vendor.example")
    text, html = parts(message)
    assert shown.group(1) in text
    assert f'href="{shown.group(1)}"' in html
    assert f"Please submit your answers by {due.day} {due:%B %Y}." in text
    assert "Reply to Alice Example procurement <" in text
    assert world.org.name in message["Subject"]

    again = buyer.post(
        f"/assessments/{world.draft.id}/invitations",
        {"contact_name": "Jane Doe", "contact_email": "jane@vendor.example", "send_email": "1"},
    )
    assert again.status_code == 201
    closed = visitor.get(shown.group(1).removeprefix("http://testserver"))
    assert closed.status_code == 410
    assert "This link was replaced by a newer one" in closed.text
    assert "Contact Alice Example procurement &lt;" in closed.text
    listing = buyer.get(f"/assessments/{world.draft.id}").text
    assert "Superseded" in listing
    history = buyer.get(f"/assessments/{world.draft.id}/history").text
    for kind in ("Invitation created", "Invitation sent", "Due date changed"):
        assert kind in history


def test_the_dashboard_shows_due_and_overdue(
    buyer: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    today = utcnow().date()
    assert 'name="due_on"' in buyer.get(f"/assessments/{world.draft.id}").text
    late = (today - timedelta(days=2)).isoformat()
    assert (
        buyer.post(f"/assessments/{world.draft.id}/due-date", {"due_on": late}).status_code == 303
    )
    builders.assessment(session, catalog, world.org, title="Soon", due_on=today + timedelta(days=3))
    builders.assessment(
        session, catalog, world.org, title="Later", due_on=today + timedelta(days=30)
    )
    session.commit()
    dashboard = buyer.get("/").text
    assert "Overdue by 2 days" in dashboard
    assert "Due in 3 days" in dashboard
    assert "Due in 30 days" in dashboard
    assert re.search(r'stat__num">1</span><span class="stat__label">overdue', dashboard)
    assert re.search(r'stat__num">1</span><span class="stat__label">due within a week', dashboard)
    cleared = buyer.post(f"/assessments/{world.draft.id}/due-date", {"due_on": ""})
    assert cleared.status_code == 303
    assert "Overdue" not in buyer.get("/").text


def test_the_api_reads_and_sets_due_dates(
    procurement: Caller, world: World, session: Session
) -> None:
    due = (utcnow().date() + timedelta(days=5)).isoformat()
    url = f"/api/v1/assessments/{world.draft.id}"
    read = procurement.get(url)
    changed = procurement.patch(
        url, json={"due_on": due}, headers={"If-Match": read.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["due_on"] == due
    bad = procurement.patch(
        url, json={"due_on": "next week"}, headers={"If-Match": changed.headers["etag"]}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "due_on" in bad.text


def test_the_vendor_downloads_a_copy_of_what_they_submitted(
    visitor: Visitor, world: World, session: Session
) -> None:
    before = visitor.get(f"/invite/{world.token}/copy.pdf")
    assert before.status_code == 409
    assert "the answers have not been submitted with this link" in before.text
    done = visitor.submit_link(f"/invite/{world.token}", builders.example("openweave.answers"))
    assert done.status_code == 200
    assert f'href="/invite/{world.token}/copy.pdf"' in done.text
    closed = visitor.get(f"/invite/{world.token}")
    assert f'href="/invite/{world.token}/copy.pdf"' in closed.text

    copy = visitor.get(f"/invite/{world.token}/copy.pdf")
    assert copy.status_code == 200
    assert copy.headers["content-type"] == "application/pdf"
    assert copy.headers["content-disposition"].startswith("attachment; filename=")
    text = pdf_text(copy.content)
    assert f"Your answers about {world.draft.vendor.name}" in text
    assert "Jane Doe <jane@vendor.example>" in text
    assert "PyTorch" in text
    assert "risk" not in text.lower(), "the vendor's copy shows answers, never scores"
    stored = session.scalar(select(Invitation).where(Invitation.id == world.invitation.id))
    assert stored is not None
    session.refresh(stored)
    assert stored.submitted_answers is not None
    assert stored.submitted_answers["framework.primary"] == "pytorch"
