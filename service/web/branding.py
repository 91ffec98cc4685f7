"""The report branding settings page (admins): logo, accent colour, contact and validity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from service.auth.permissions import Permission
from service.branding import logo as logos
from service.branding import service as branding_service
from service.branding.schemas import BrandingUpdate
from service.dependencies import DbSession
from service.errors import Forbidden, ServiceError
from service.web.auth import SignedIn, WebUser, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages, validation_messages
from service.web.pages import page, redirect

router = signed_in_router()

FIELDS = ("accent_colour", "contact_name", "contact_email", "validity_months")


def _admin(user: SignedIn) -> WebUser:
    if not user.can(Permission.MANAGE_BRANDING):
        raise Forbidden(
            f"Your role ({user.role_label}) cannot change the report branding: ask an admin."
        )
    return user


BrandingEditor = Annotated[WebUser, Depends(_admin)]


@router.get("/settings/branding")
def show_branding(request: Request, session: DbSession, user: BrandingEditor) -> HTMLResponse:
    """The form, filled with the current branding."""
    current = branding_service.read(
        branding_service.get_branding(session, user.principal.organisation_id)
    )
    values = {k: str(v) for k, v in current.model_dump(include=set(FIELDS)).items() if v}
    return _page(request, session, user, values, {})


@router.post("/settings/branding")
async def save_branding(
    request: Request, session: DbSession, user: BrandingEditor, form: Form
) -> Response:
    """Save the fields, then the logo (replaced, removed or kept)."""
    values = fields(form, *FIELDS)
    upload = form.get("logo")
    content = await upload.read(logos.MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    kind = upload.content_type or "" if isinstance(upload, UploadFile) else ""
    return _save(request, session, user, values, content, kind, form.get("remove_logo") == "on")


def _save(
    request: Request,
    session: DbSession,
    user: WebUser,
    values: dict[str, str | None],
    content: bytes,
    kind: str,
    remove: bool,
) -> Response:
    try:
        data = BrandingUpdate.model_validate(
            {k: v for k, v in values.items() if v is not None and v != ""}
        )
    except ValidationError as exc:
        return _page(request, session, user, values, validation_messages(exc))
    organisation_id = user.principal.organisation_id
    saved = attempt(session, lambda: _apply(session, organisation_id, data, content, kind, remove))
    if isinstance(saved, ServiceError):
        messages = service_messages(saved)
        return _page(request, session, user, values, {"logo": saved.detail, **messages})
    return redirect(session, user, "/settings/branding", "Report branding saved.")


def _apply(
    session: DbSession,
    organisation_id: Any,
    data: BrandingUpdate,
    content: bytes,
    kind: str,
    remove: bool,
) -> None:
    branding_service.update_branding(session, organisation_id, data)
    if remove:
        branding_service.delete_logo(session, organisation_id)
    elif content:
        branding_service.set_logo(session, organisation_id, content, kind)


@router.get("/settings/branding/logo")
def show_branding_logo(session: DbSession, user: SignedIn) -> Response:
    """The stored logo, for the settings page's preview."""
    logo = branding_service.logo_of(session, user.principal.organisation_id)
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}
    return Response(logo.content, media_type=logo.media_type, headers=headers)


def _page(
    request: Request,
    session: DbSession,
    user: WebUser,
    values: dict[str, Any],
    errors: dict[str, str],
) -> HTMLResponse:
    row = branding_service.get_branding(session, user.principal.organisation_id)
    context = {
        "values": values,
        "errors": errors,
        "has_logo": row is not None and row.logo is not None,
        "logo_version": (row.logo_sha256 or "")[:12] if row else "",
        "max_kb": logos.MAX_BYTES // 1024,
    }
    status = 422 if errors else 200
    response = page(request, session, user, "settings/branding.html", context, nav="branding")
    response.status_code = status
    return response
