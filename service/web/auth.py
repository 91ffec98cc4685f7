"""Who is signed in, what their role allows, and the CSRF check on every state change.

The session cookie holds a random token whose SHA-256 names a `web_sessions` row. Every
request that changes something must carry the session's CSRF token, in the `_csrf` form field
or the `X-CSRF-Token` header (autosave); cross-site requests are refused outright.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.datastructures import FormData

from service.auth.permissions import Permission
from service.auth.principal import Principal
from service.dependencies import DbSession
from service.errors import Forbidden, Unauthenticated
from service.users import service as users_service
from service.users import sessions
from service.users.models import User, WebSession

SESSION_COOKIE = "stackvet_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_REFUSED = (
    "This form has expired or did not come from stackvet (the security token is missing or "
    "wrong). Go back, reload the page and try again."
)


@dataclass(frozen=True)
class WebUser:
    user: User
    web_session: WebSession
    principal: Principal

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token

    @property
    def organisation_name(self) -> str:
        return self.user.organisation.name

    @property
    def role_label(self) -> str:
        return self.user.role.value.replace("_", " ")

    def can(self, permission: Permission | str) -> bool:
        return self.principal.can(Permission(permission))


def current_user(request: Request, session: DbSession) -> WebUser:
    token = request.cookies.get(SESSION_COOKIE)
    row = sessions.resolve(session, token) if token else None
    if row is None or row.user.deactivated_at is not None:
        raise Unauthenticated("Sign in to continue.")
    return WebUser(row.user, row, users_service.principal_for_user(row.user))


SignedIn = Annotated[WebUser, Depends(current_user)]

_ACTIONS = {
    Permission.EDIT_DIRECTORY: "add or change vendors and clients",
    Permission.EDIT_ASSESSMENTS: "start, answer or submit assessments, or invite vendors",
    Permission.REOPEN_ASSESSMENTS: "reopen assessments",
    Permission.MANAGE_USERS: "manage people",
}


def require(permission: Permission) -> Callable[[WebUser], WebUser]:
    def check(user: SignedIn) -> WebUser:
        if not user.can(permission):
            raise Forbidden(f"Your role ({user.role_label}) cannot {_ACTIONS[permission]}.")
        return user

    return check


DirectoryEditor = Annotated[WebUser, Depends(require(Permission.EDIT_DIRECTORY))]
Editor = Annotated[WebUser, Depends(require(Permission.EDIT_ASSESSMENTS))]
Reopener = Annotated[WebUser, Depends(require(Permission.REOPEN_ASSESSMENTS))]
PeopleAdmin = Annotated[WebUser, Depends(require(Permission.MANAGE_USERS))]


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token a request carries: the header (autosave) or the form field."""
    if "form" not in request.headers.get("content-type", ""):
        return request.headers.get(CSRF_HEADER)
    return csrf_from(request, await request.form())


def csrf_from(request: Request, form: FormData) -> str | None:
    value = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def refuse_cross_site(request: Request) -> None:
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden(CSRF_REFUSED)


def tokens_match(sent: str | None, expected: str) -> bool:
    return sent is not None and secrets.compare_digest(sent.encode(), expected.encode())


async def verify_csrf(request: Request, user: SignedIn) -> None:
    if request.method in SAFE_METHODS:
        return
    refuse_cross_site(request)
    if not tokens_match(await sent_csrf_token(request), user.csrf_token):
        raise Forbidden(CSRF_REFUSED)


def signed_in_router() -> APIRouter:
    """A router whose every route needs a signed-in user, and a CSRF token to change anything."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])


def is_https(request: Request) -> bool:
    """Behind a proxy, uvicorn's proxy headers support has already applied X-Forwarded-Proto."""
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(sessions.LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        path="/",
    )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
