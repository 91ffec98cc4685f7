"""Rendering a signed-in page: the layout's context, the one-time message, redirects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from service.users import sessions
from service.web.auth import WebUser
from service.web.templating import render, secure


def page(
    request: Request,
    session: Session,
    user: WebUser,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    nav: str = "",
) -> HTMLResponse:
    """A page in the signed-in layout; shows (and clears) the session's one-time message."""
    flash = sessions.take_flash(session, user.web_session)
    return render(
        request,
        template,
        {
            "user": user,
            "flash": flash,
            "csrf_token": user.csrf_token,
            "nav": nav,
            **(context or {}),
        },
        status=status,
    )


def redirect(
    session: Session, user: WebUser, url: str, flash: str | None = None
) -> RedirectResponse:
    """303 See Other after a successful form, with a message for the next page."""
    if flash:
        sessions.set_flash(session, user.web_session, flash)
    return secure(RedirectResponse(url, status_code=303))
