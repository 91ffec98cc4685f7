"""People: admins invite by e-mail (link taken from a real SMTP server), change roles and
deactivate; the invited person chooses a password through the one-time link."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.config import Settings
from service.mail.models import MailMessage
from service.scoring.library import Library
from service.users import password_links
from service.users.models import PasswordTokenPurpose, User
from tests import builders
from tests.smtp import Mailbox, deliver, parts
from tests.web.visitor import Visitor, csrf_in

NEW_PASSWORD = "a brand new passphrase"


def link_in(box: Mailbox, address: str) -> str:
    text, html = parts(box.by_recipient(address)[-1])
    found = re.search(r"(http://testserver/password/\S+)", text)
    assert found, text
    assert f'href="{found.group(1)}"' in html
    return found.group(1).removeprefix("http://testserver")


def test_an_admin_invites_someone_who_then_chooses_a_password(
    app: FastAPI,
    signed_in: Callable[[Role], Visitor],
    session: Session,
    session_factory: sessionmaker[Session],
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    admin = signed_in(Role.ADMIN)
    page = admin.get("/people")
    assert page.status_code == 200
    assert "Invite someone" in page.text
    response = admin.post(
        "/people", {"name": "Sam Reviewer", "email": "Sam@Agency.example", "role": "procurement"}
    )
    assert response.status_code == 303
    listing = admin.get("/people").text
    assert "Invitation sent to sam@agency.example" in listing
    assert "Sam Reviewer" in listing
    assert "Invited" in listing

    deliver(session_factory, library, settings, mailbox)
    [message] = mailbox.by_recipient("sam@agency.example")
    assert message["Subject"].startswith("You are invited to ")
    link = link_in(mailbox, "sam@agency.example")

    sam = Visitor.of(app)
    form = sam.get(link).text
    assert "Welcome: choose your password" in form
    sam.csrf = csrf_in(form)
    short = sam.post(link, {"password": "short", "confirmation": "short"})
    assert short.status_code == 422
    assert "The password was not set: must be at least 12 characters long." in short.text
    mismatch = sam.post(link, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD + "!"})
    assert "the two passwords are not the same" in mismatch.text
    done = sam.post(link, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert (done.status_code, done.headers["location"]) == (303, "/sign-in?password_set=1")
    assert "Your password is set" in sam.get("/sign-in?password_set=1").text
    assert sam.sign_in("sam@agency.example", NEW_PASSWORD).status_code == 303
    again = Visitor.of(app).get(link)
    assert again.status_code == 410
    assert "This link was already used" in again.text


def test_people_are_managed_by_admins_only(signed_in: Callable[[Role], Visitor]) -> None:
    buyer = signed_in(Role.PROCUREMENT)
    refused = buyer.get("/people")
    assert refused.status_code == 403
    assert "Your role (procurement) cannot manage people." in refused.text
    assert 'href="/people"' not in buyer.get("/").text
    refused_post = buyer.post("/people", {"name": "X", "email": "x@y.example", "role": "admin"})
    assert refused_post.status_code == 403


def test_bad_or_duplicate_invitations_are_explained_on_the_page(
    signed_in: Callable[[Role], Visitor], session: Session
) -> None:
    admin = signed_in(Role.ADMIN)
    bad = admin.post("/people", {"name": "", "email": "nope", "role": "owner"})
    assert bad.status_code == 422
    for message in (
        "Enter their name, up to 200 characters.",
        "Enter their e-mail address, such as sam@agency.example.",
        "Choose a role.",
    ):
        assert message in bad.text
    existing = session.scalars(select(User)).first()
    assert existing is not None
    taken = admin.post("/people", {"name": "Dup", "email": existing.email, "role": "admin"})
    assert taken.status_code == 409
    assert "already has an account" in taken.text
    assert session.scalar(select(MailMessage.id)) is None, "nothing is sent for a refusal"


def test_roles_change_and_deactivated_people_are_signed_out_and_kept_out(
    app: FastAPI, signed_in: Callable[[Role], Visitor], session: Session, org: Organisation
) -> None:
    admin = signed_in(Role.ADMIN)
    other = builders.user(session, org, Role.PROCUREMENT, email="kim@a.example")
    session.commit()
    kim = Visitor.of(app)
    assert kim.sign_in("kim@a.example", builders.PASSWORD).status_code == 303

    changed = admin.post(f"/people/{other.id}/role", {"role": "account_lead"})
    assert changed.status_code == 303
    assert "is now account lead" in admin.get("/people").text
    assert "Your role (account lead) cannot" in kim.post("/vendors", {"name": "V"}).text

    assert admin.post(f"/people/{other.id}/deactivate").status_code == 303
    assert kim.get("/").status_code in {303, 401}, "their session ended"
    refused = Visitor.of(app).sign_in("kim@a.example", builders.PASSWORD)
    assert refused.status_code == 403
    assert "This account is deactivated" in refused.text

    assert admin.post(f"/people/{other.id}/reactivate").status_code == 303
    assert Visitor.of(app).sign_in("kim@a.example", builders.PASSWORD).status_code == 303


def test_an_admin_cannot_lock_themselves_out(
    signed_in: Callable[[Role], Visitor], session: Session
) -> None:
    admin = signed_in(Role.ADMIN)
    me = session.scalars(select(User).where(User.role == Role.ADMIN)).one()
    refused = admin.post(f"/people/{me.id}/deactivate")
    assert refused.status_code == 403
    assert "You cannot deactivate yourself" in refused.text
    demoted = admin.post(f"/people/{me.id}/role", {"role": "procurement"})
    assert demoted.status_code == 403
    assert "You cannot take away your own admin role" in demoted.text


def test_the_password_form_needs_its_csrf_token(
    app: FastAPI, session: Session, org: Organisation
) -> None:
    user = builders.user(session, org, email="pat@agency.example")
    issued = password_links.issue(session, user, PasswordTokenPurpose.RESET)
    session.commit()
    forged = Visitor.of(app).post(
        f"/password/{issued.token}", {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    )
    assert forged.status_code == 403
    assert "security token is missing or wrong" in forged.text
    session.refresh(issued.row)
    assert issued.row.used_at is None, "the link still works"
