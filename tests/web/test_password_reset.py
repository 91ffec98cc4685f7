"""Forgot password: the same answer for every address, a hashed single-use expiring link
e-mailed to real accounts only, and a rate limit per address and per network."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import Organisation
from service.auth.tokens import hash_token
from service.config import Settings
from service.db import utcnow
from service.mail.models import MailMessage
from service.ratelimits.service import Limit
from service.scoring.library import Library
from service.users.models import PasswordToken
from service.users.password_links import ResetThrottle
from service.web.limits import WebLimits
from tests import builders
from tests.smtp import Mailbox, deliver
from tests.web.test_people import link_in
from tests.web.visitor import Visitor, csrf_in

NEW_PASSWORD = "another fine passphrase"


def ask(visitor: Visitor, email: str) -> tuple[int, str]:
    form = visitor.get("/forgot-password").text
    response = visitor.http.post("/forgot-password", data={"_csrf": csrf_in(form), "email": email})
    return response.status_code, response.text


def queued(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MailMessage)) or 0)


def test_a_reset_link_works_once_and_changes_the_password(
    app: FastAPI,
    session: Session,
    session_factory: sessionmaker[Session],
    org: Organisation,
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    builders.user(session, org, email="pat@agency.example", name="Pat Lee")
    session.commit()
    visitor = Visitor.of(app)
    assert 'href="/forgot-password"' in visitor.get("/sign-in").text
    status, page = ask(visitor, " Pat@Agency.example ")
    assert status == 200
    assert "If pat@agency.example belongs to an active account, we have sent it a link" in page

    deliver(session_factory, library, settings, mailbox)
    [message] = mailbox.by_recipient("pat@agency.example")
    assert message["Subject"] == "Reset your stackvet password"
    link = link_in(mailbox, "pat@agency.example")
    token = link.removeprefix("/password/")
    row = session.scalar(select(PasswordToken))
    assert row is not None
    assert row.token_hash == hash_token(token), "only the hash is stored"
    assert timedelta(minutes=59) < row.expires_at - utcnow() <= timedelta(hours=1)

    form = visitor.get(link).text
    assert "Choose a new password" in form
    visitor.csrf = csrf_in(form)
    done = visitor.post(link, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert done.status_code == 303
    assert Visitor.of(app).sign_in("pat@agency.example", builders.PASSWORD).status_code == 401
    assert Visitor.of(app).sign_in("pat@agency.example", NEW_PASSWORD).status_code == 303
    reused = visitor.post(link, {"password": NEW_PASSWORD, "confirmation": NEW_PASSWORD})
    assert reused.status_code == 410
    assert "This link was already used" in reused.text


def test_unknown_and_deactivated_addresses_get_the_same_answer_and_no_e_mail(
    app: FastAPI, session: Session, org: Organisation
) -> None:
    gone = builders.user(session, org, email="former@agency.example")
    gone.deactivated_at = utcnow()
    session.commit()
    answers = {
        email: ask(Visitor.of(app), email)
        for email in ("nobody@agency.example", "former@agency.example")
    }
    for email, (status, page) in answers.items():
        assert status == 200
        assert f"If {email} belongs to an active account, we have sent it a link" in page
    assert queued(session) == 0


def test_bad_expired_and_superseded_links_say_why(
    app: FastAPI, session: Session, org: Organisation
) -> None:
    builders.user(session, org, email="pat@agency.example")
    session.commit()
    visitor = Visitor.of(app)
    missing = visitor.get("/password/svp_nothing")
    assert missing.status_code == 404
    assert "This link is not valid" in missing.text
    ask(visitor, "pat@agency.example")
    first = session.scalar(select(PasswordToken))
    assert first is not None
    first.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    expired = session.scalar(select(MailMessage))
    assert expired is not None
    old_link = re.search(r"/password/(\S+)", expired.text_body)
    assert old_link
    response = visitor.get(f"/password/{old_link.group(1)}")
    assert response.status_code == 410
    assert "This link has expired. Ask for a new one" in response.text
    ask(visitor, "pat@agency.example")
    superseded = visitor.get(f"/password/{old_link.group(1)}")
    assert "a newer one was sent since" in superseded.text


def test_reset_requests_are_rate_limited_without_revealing_accounts(
    app: FastAPI, session: Session, org: Organisation
) -> None:
    builders.user(session, org, email="pat@agency.example")
    session.commit()
    window = timedelta(hours=1)
    app.state.web_limits = WebLimits(
        password_resets=ResetThrottle(per_email=Limit("password-reset-email", 2, window))
    )
    for email in ("pat@agency.example", "nobody@agency.example"):
        visitor = Visitor.of(app)
        assert [ask(visitor, email)[0] for _ in range(2)] == [200, 200]
        status, page = ask(visitor, email)
        assert status == 429, email
        assert "Too many reset requests for this address or from your network." in page
    assert queued(session) == 2, "only the real account's two allowed requests send e-mail"


def test_the_forgot_password_form_needs_its_csrf_token(app: FastAPI) -> None:
    visitor = Visitor.of(app)
    response = visitor.http.post("/forgot-password", data={"email": "pat@agency.example"})
    assert response.status_code == 403
    assert "security token is missing or wrong" in response.text
