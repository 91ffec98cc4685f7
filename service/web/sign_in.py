"""Sign-in and sign-out.

The sign-in form is protected against login CSRF with a double-submit token: a random value in
a cookie and in the form, which a cross-site page can neither read nor set.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from service.dependencies import DbSession
from service.errors import Forbidden
from service.users import service as users_service
from service.users import sessions
from service.users.service import SignInRefused
from service.web.auth import (
    CSRF_FIELD,
    CSRF_REFUSED,
    SESSION_COOKIE,
    SignedIn,
    client_ip,
    is_https,
    refuse_cross_site,
    set_session_cookie,
    signed_in_router,
    tokens_match,
)
from service.web.forms import Form, text
from service.web.limits import Limits
from service.web.templating import render, secure

SIGN_IN_CSRF_COOKIE = "stackvet_signin"

router = APIRouter(include_in_schema=False)
session_router = signed_in_router()

Next = Annotated[str, Query(alias="next", max_length=2000)]


def safe_next(target: str) -> str:
    """Only paths of this site: never `//evil.example` or an absolute URL."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


@router.get("/sign-in")
def show_sign_in(request: Request, target: Next = "/") -> Response:
    """The sign-in form."""
    return _form(request, target=safe_next(target))


@router.post("/sign-in")
def sign_in(request: Request, session: DbSession, form: Form, limits: Limits) -> Response:
    """Check the credentials and start a new session (never reuse the browser's old one)."""
    refuse_cross_site(request)
    if not tokens_match(text(form, CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE, "-")):
        raise Forbidden(CSRF_REFUSED)
    email, target = text(form, "email"), safe_next(text(form, "next"))
    result = users_service.sign_in(
        session, limits.sign_in, email, text(form, "password"), client_ip(request)
    )
    if isinstance(result, SignInRefused):
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return _form(
            request,
            target=target,
            email=email,
            error=result.message,
            status=result.status,
            headers=headers,
        )
    started = sessions.start(session, result, request.cookies.get(SESSION_COOKIE))
    response = secure(RedirectResponse(target, status_code=303))
    set_session_cookie(response, request, started.token)
    response.delete_cookie(SIGN_IN_CSRF_COOKIE, path="/sign-in")
    return response


@session_router.post("/sign-out")
def sign_out(request: Request, session: DbSession, user: SignedIn) -> Response:
    """End the session on the server and forget the cookie."""
    sessions.end(session, request.cookies.get(SESSION_COOKIE, ""))
    response = secure(RedirectResponse("/sign-in?signed_out=1", status_code=303))
    response.delete_cookie(SESSION_COOKIE, path="/", secure=is_https(request), httponly=True)
    return response


def _form(
    request: Request,
    *,
    target: str,
    email: str = "",
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    notice = (
        "You have signed out."
        if request.query_params.get("signed_out")
        else "Your password is set. Sign in with it now."
        if request.query_params.get("password_set")
        else None
    )
    response = render(
        request,
        "sign_in.html",
        {"csrf_token": token, "next": target, "email": email, "error": error, "notice": notice},
        status=status,
        headers=headers,
    )
    response.set_cookie(
        SIGN_IN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_https(request),
        path="/sign-in",
    )
    return response
