"""Sign-in, sessions and sign-out: cookies, fixation, throttling, redirects."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Role
from service.ratelimits.service import Limit
from service.users.models import User, WebSession
from service.users.service import SignInThrottle
from service.web.auth import SESSION_COOKIE
from service.web.limits import WebLimits
from tests.builders import PASSWORD
from tests.web.visitor import Visitor, csrf_in


def test_signing_in_sets_a_protected_session_cookie(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    user = person(Role.PROCUREMENT)
    response = visitor.sign_in(user.email.upper(), PASSWORD, target="/vendors")
    assert response.status_code == 303
    assert response.headers["location"] == "/vendors"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie, "plain http (development) cannot carry Secure cookies"
    page = visitor.get("/")
    assert page.status_code == 200
    assert "Alice Example procurement" in page.text


def test_the_cookie_is_secure_over_https(app: FastAPI, person: Callable[[Role], User]) -> None:
    visitor = Visitor.of(app, base_url="https://testserver")
    response = visitor.sign_in(person(Role.PROCUREMENT).email, PASSWORD)
    assert "Secure" in response.headers["set-cookie"]


def test_a_new_session_id_at_every_sign_in(
    app: FastAPI, visitor: Visitor, session: Session, person: Callable[[Role], User]
) -> None:
    """Session fixation: a session id planted in the browser is never the one signed in."""
    attacker = Visitor.of(app)
    attacker.sign_in(person(Role.ACCOUNT_LEAD).email, PASSWORD)
    planted = attacker.session_token
    assert planted

    visitor.plant_session(planted)
    visitor.sign_in(person(Role.PROCUREMENT).email, PASSWORD)
    assert visitor.session_token not in {None, planted}
    assert "Alice Example procurement" in visitor.get("/").text

    attacker_page = attacker.get("/")
    assert attacker_page.status_code == 303, "the planted session was ended at sign-in"
    assert attacker_page.headers["location"] == "/sign-in?next=%2F"


def test_signing_in_twice_replaces_the_session(
    buyer: Visitor, session: Session, person: Callable[[Role], User]
) -> None:
    before = buyer.session_token
    count = session.scalar(select(func.count()).select_from(WebSession))
    buyer.sign_in(person(Role.PROCUREMENT).email, PASSWORD)
    assert buyer.session_token != before
    assert session.scalar(select(func.count()).select_from(WebSession)) == count


def test_a_wrong_password_says_so_without_saying_which(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    user = person(Role.PROCUREMENT)
    for email in (user.email, "nobody@agency.example"):
        response = visitor.sign_in(email, "not the password at all")
        assert response.status_code == 401
        assert "That e-mail address and password do not match" in response.text
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_failed_sign_ins_are_throttled_with_a_retry_time(
    app: FastAPI, visitor: Visitor, person: Callable[[Role], User]
) -> None:
    app.state.web_limits = WebLimits(
        sign_in=SignInThrottle(
            per_email=Limit("sign-in-email", 3, SignInThrottle().per_email.window)
        )
    )
    user = person(Role.PROCUREMENT)
    for _ in range(3):
        assert visitor.sign_in(user.email, "wrong password here").status_code == 401
    refused = visitor.sign_in(user.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this e-mail address" in refused.text
    assert "try again in 15 minutes" in refused.text
    assert 890 <= int(refused.headers["retry-after"]) <= 900
    assert visitor.session_token is None, "no password is checked while throttled"


def test_failed_sign_ins_are_throttled_per_address(
    app: FastAPI, visitor: Visitor, person: Callable[[Role], User]
) -> None:
    window = SignInThrottle().per_ip.window
    app.state.web_limits = WebLimits(sign_in=SignInThrottle(per_ip=Limit("sign-in-ip", 2, window)))
    for number in range(2):
        visitor.sign_in(f"guess{number}@agency.example", "wrong password here")
    refused = visitor.sign_in(person(Role.PROCUREMENT).email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network" in refused.text


def test_the_sign_in_form_needs_its_csrf_token(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    user = person(Role.PROCUREMENT)
    visitor.get("/sign-in")
    response = visitor.http.post(
        "/sign-in", data={"_csrf": "forged", "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "security token is missing or wrong" in response.text
    assert visitor.session_token is None


def test_pages_redirect_to_sign_in_and_back(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    response = visitor.get("/vendors?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Fvendors%3Fx%3D1"
    form = visitor.get(response.headers["location"])
    assert 'name="next" value="/vendors?x=1"' in form.text
    signed = visitor.sign_in(person(Role.PROCUREMENT).email, PASSWORD, target="/vendors?x=1")
    assert signed.headers["location"] == "/vendors?x=1"


def test_sign_in_never_redirects_to_another_site(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    user = person(Role.PROCUREMENT)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert visitor.sign_in(user.email, PASSWORD, target=target).headers["location"] == "/"


def test_signing_out_ends_the_session_on_the_server(buyer: Visitor, session: Session) -> None:
    token = buyer.session_token
    response = buyer.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    assert "You have signed out." in buyer.get("/sign-in?signed_out=1").text
    buyer.plant_session(token or "")
    assert buyer.get("/").status_code == 303


def test_the_sign_in_page_sets_its_own_csrf_cookie(visitor: Visitor) -> None:
    page = visitor.get("/sign-in")
    assert page.status_code == 200
    token = csrf_in(page.text)
    cookie = page.headers["set-cookie"]
    assert f"stackvet_signin={token}" in cookie
    assert "SameSite=strict" in cookie
    assert "HttpOnly" in cookie
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"


def test_a_refused_sign_in_is_shown_at_its_own_url(
    visitor: Visitor, person: Callable[[Role], User]
) -> None:
    """Post/redirect/get: a reload shows the message and the address again, posting nothing."""
    user = person(Role.PROCUREMENT)
    page = visitor.http.get("/sign-in", params={"next": "/clients"})
    response = visitor.http.post(
        "/sign-in",
        data={"_csrf": csrf_in(page.text), "email": user.email, "password": "wrong password"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2F"
    for _ in range(2):
        again = visitor.http.get(response.headers["location"])
        assert again.status_code == 401
        assert "That e-mail address and password do not match" in again.text
        assert f'value="{user.email}"' in again.text
    assert visitor.sign_in(user.email, PASSWORD).status_code == 303
