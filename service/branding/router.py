"""The organisation's report branding: accent colour, contact, validity and logo."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Header, Response, status

from service.auth.dependencies import BrandingManager, Reader
from service.branding import logo as logos
from service.branding import service as branding_service
from service.branding.schemas import BrandingRead, BrandingUpdate
from service.dependencies import DbSession
from service.openapi import errors
from service.routing import api_router

router = api_router("/api/v1/organisation/branding", "Branding")

_LOGO_BODY: dict[str, Any] = {
    "description": (
        "The logo as the raw request body with its own Content-Type (image/png, image/jpeg or "
        "image/svg+xml), e.g. curl --data-binary @logo.png -H 'Content-Type: image/png'; at "
        "most 256 KB. PNG and JPEG are re-encoded, SVG is rebuilt from an allow-list."
    ),
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}} for kind in logos.ACCEPTED
    },
}


@router.get("", response_model=BrandingRead, responses=errors(401, 403))
def get_branding(session: DbSession, principal: Reader) -> BrandingRead:
    """The logo, accent colour, contact and validity the organisation's reports carry."""
    return branding_service.read(branding_service.get_branding(session, principal.organisation_id))


@router.put("", response_model=BrandingRead, responses=errors(401, 403, 422))
def update_branding(
    body: BrandingUpdate, session: DbSession, principal: BrandingManager
) -> BrandingRead:
    """Set the accent colour, contact name and e-mail and validity (admins)."""
    row = branding_service.update_branding(session, principal.organisation_id, body)
    return branding_service.read(row)


@router.put(
    "/logo",
    response_model=BrandingRead,
    responses=errors(401, 403, 413, 422),
    openapi_extra={"requestBody": {"required": True, **_LOGO_BODY}},
)
def upload_branding_logo(
    session: DbSession,
    principal: BrandingManager,
    content: Annotated[bytes, Body(media_type="application/octet-stream")],
    content_type: Annotated[str, Header()] = "",
) -> BrandingRead:
    """Upload the logo (PNG, JPEG or SVG, at most 256 KB; stored re-encoded or sanitised)."""
    row = branding_service.set_logo(session, principal.organisation_id, content, content_type)
    return branding_service.read(row)


@router.delete("/logo", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401, 403))
def delete_branding_logo(session: DbSession, principal: BrandingManager) -> Response:
    """Remove the logo: reports show the organisation's name alone."""
    branding_service.delete_logo(session, principal.organisation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/logo",
    response_class=Response,
    responses={200: {"content": {k: {} for k in logos.ACCEPTED}}, **errors(401, 403, 404)},
)
def get_branding_logo(session: DbSession, principal: Reader) -> Response:
    """The logo as stored (PNG, or sanitised SVG)."""
    logo = branding_service.logo_of(session, principal.organisation_id)
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}
    return Response(logo.content, media_type=logo.media_type, headers=headers)
