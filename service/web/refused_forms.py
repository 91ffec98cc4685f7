"""Post/redirect/get for forms that fail: the page is shown again at its own URL.

A refused post stores what was typed and what was wrong (`service.form_states`), then redirects
(303) to the form's page, anchored at the form. The page reads the state back, so a refresh
shows the same values and messages and never re-posts, and a GET never lands on a POST-only URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from service.form_states import service as form_states
from service.web.auth import WebUser
from service.web.templating import secure


def owner_of(user: WebUser) -> str:
    return f"session:{user.web_session.id}"


def again(
    session: Session,
    owner: str,
    url: str,
    payload: dict[str, Any],
    *,
    anchor: str = "",
    key: str | None = None,
) -> RedirectResponse:
    """Keep the refused form under `key` (the page's URL unless a page has several forms),
    and send the browser to the page, at the form."""
    form_states.keep(session, owner, key or url, payload)
    return secure(RedirectResponse(url + (f"#{anchor}" if anchor else ""), status_code=303))


def recalled(session: Session, owner: str, key: str) -> dict[str, Any]:
    """The refused form kept under `key` (empty when there is none)."""
    return form_states.recall(session, owner, key) or {}


def done(session: Session, owner: str, key: str) -> None:
    """The form went through: its refused state is no longer shown."""
    form_states.forget(session, owner, key)


def retry(
    session: Session,
    user: WebUser,
    url: str,
    values: Mapping[str, object],
    errors: Mapping[str, str],
    *,
    anchor: str = "",
    key: str | None = None,
) -> RedirectResponse:
    """A signed-in form refused: keep what was typed and the messages, show the form's page."""
    payload = {"values": dict(values), "errors": dict(errors)}
    return again(session, owner_of(user), url, payload, anchor=anchor, key=key)


def kept(session: Session, user: WebUser, key: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """(values, errors) of the refused form kept under `key`; (None, {}) when there is none."""
    state = recalled(session, owner_of(user), key)
    return state.get("values"), state.get("errors") or {}
