"""Forgot password, and choosing a password through a one-time link (invitation or reset).

The "forgot password" form answers the same way whether or not the address has an account;
only the rate limit (per address and per IP) can refuse it, with the same message either way.
Both forms carry a double-submit CSRF token like the sign-in form (a random value in a cookie
and in the form, which a cross-site page can neither read nor set).
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from service.dependencies import DbSession
from service.errors import Forbidden, InvalidInput, ServiceError
from service.users import password_links
from service.users.models import PasswordTokenPurpose
from service.web.auth import (
    CSRF_FIELD,
    CSRF_REFUSED,
    client_ip,
    is_https,
    refuse_cross_site,
    tokens_match,
)
from service.web.forms import Form, attempt, text
from service.web.limits import Limits
from service.web.templating import render, secure

router = APIRouter(include_in_schema=False)

FORGOT_CSRF_COOKIE = "stackvet_forgot"
CHOOSE_CSRF_COOKIE = "stackvet_password"
SENT = (
    "If {email} belongs to an active account, we have sent it a link to choose a new "
    "password. It works for one hour. Check your spam folder if nothing arrives in a few minutes."
)
Token = Annotated[str, Path(max_length=100)]


@router.get("/forgot-password")
def show_forgot_password(request: Request) -> Response:
    """The form to ask for a password reset link."""
    return _forgot_form(request)


@router.post("/forgot-password")
def request_password_reset(
    request: Request, session: DbSession, form: Form, limits: Limits
) -> Response:
    """Queue a reset e-mail if the address has an account; the answer is the same either way."""
    refuse_cross_site(request)
    if not tokens_match(text(form, CSRF_FIELD), request.cookies.get(FORGOT_CSRF_COOKIE, "-")):
        raise Forbidden(CSRF_REFUSED)
    email = text(form, "email")
    if not email:
        return _forgot_form(request, error="Enter the e-mail address you sign in with.", status=422)
    link_base = str(request.base_url).rstrip("/") + "/password/"
    verdict = password_links.request_reset(
        session, limits.password_resets, email, client_ip(request), link_base
    )
    if not verdict.allowed:
        seconds = verdict.retry_after_seconds()
        minutes = max(1, -(-seconds // 60))
        return _forgot_form(
            request,
            email=email,
            error=f"Too many reset requests for this address or from your network. Try again "
            f"in {minutes} minute{'s' if minutes > 1 else ''}.",
            status=429,
            headers={"Retry-After": str(seconds)},
        )
    return _forgot_form(request, notice=SENT.format(email=email.strip().lower()))


def _forgot_form(
    request: Request,
    *,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(FORGOT_CSRF_COOKIE) or secrets.token_urlsafe(32)
    context = {"csrf_token": token, "email": email, "error": error, "notice": notice}
    response = render(request, "password/forgot.html", context, status=status, headers=headers)
    response.set_cookie(
        FORGOT_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/forgot-password",
    )
    return response


@router.get("/password/{token}")
def show_choose_password(token: Token, request: Request, session: DbSession) -> Response:
    """The form to choose a password, if the link still works."""
    found = attempt(session, lambda: password_links.open_link(session, token))
    if isinstance(found, ServiceError):
        return _closed(request, found)
    row, user = found
    return _choose_form(request, token, user.email, row.purpose is PasswordTokenPurpose.INVITATION)


@router.post("/password/{token}")
def choose_password(token: Token, request: Request, session: DbSession, form: Form) -> Response:
    """Set the password; the link is used up and the person signs in with it."""
    refuse_cross_site(request)
    if not tokens_match(text(form, CSRF_FIELD), request.cookies.get(CHOOSE_CSRF_COOKIE, "-")):
        raise Forbidden(CSRF_REFUSED)
    outcome = attempt(
        session,
        lambda: password_links.choose_password(
            session, token, text(form, "password"), text(form, "confirmation")
        ),
    )
    if isinstance(outcome, InvalidInput):
        row, user = password_links.open_link(session, token)
        message = outcome.errors[0]["message"] if outcome.errors else outcome.detail
        first = row.purpose is PasswordTokenPurpose.INVITATION
        return _choose_form(request, token, user.email, first, error=message, status=422)
    if isinstance(outcome, ServiceError):
        return _closed(request, outcome)
    return secure(RedirectResponse("/sign-in?password_set=1", status_code=303))


def _choose_form(
    request: Request,
    token: str,
    email: str,
    first: bool,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    csrf = request.cookies.get(CHOOSE_CSRF_COOKIE) or secrets.token_urlsafe(32)
    context = {"token": token, "email": email, "first": first, "error": error, "csrf_token": csrf}
    response = render(request, "password/choose.html", context, status=status)
    response.set_cookie(
        CHOOSE_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/password",
    )
    return response


def _closed(request: Request, error: ServiceError) -> Response:
    heading = "This link does not work" if error.status == 404 else "This link is closed"
    context = {"status": error.status, "heading": heading, "detail": error.detail}
    return render(request, "invite/closed.html", context, status=error.status)
