"""Reading and changing an organisation's report branding (services flush, never commit)."""

from __future__ import annotations

import base64
import uuid

from sqlalchemy.orm import Session

from service.branding import logo as logos
from service.branding.models import Branding
from service.branding.schemas import BrandingRead, BrandingUpdate, LogoRead
from service.errors import NotFound
from service.reporting.view import Brand

LOGO_URL = "/api/v1/organisation/branding/logo"
PDF_LOGO_URL = "stackvet-logo:{sha256}"
"""How a PDF names the logo; the renderer serves exactly that URL from the bytes it is
handed with the HTML, and nothing else."""


def get_branding(session: Session, organisation_id: uuid.UUID) -> Branding | None:
    return session.get(Branding, organisation_id)


def read(row: Branding | None) -> BrandingRead:
    if row is None:
        return BrandingRead(
            accent_colour=None,
            contact_name=None,
            contact_email=None,
            validity_months=12,
            logo=None,
            updated_at=None,
        )
    logo = None
    if row.logo is not None and row.logo_media_type and row.logo_sha256:
        logo = LogoRead(media_type=row.logo_media_type, sha256=row.logo_sha256, url=LOGO_URL)
    return BrandingRead(
        accent_colour=row.accent_colour,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        validity_months=row.validity_months,
        logo=logo,
        updated_at=row.updated_at,
    )


def update_branding(session: Session, organisation_id: uuid.UUID, data: BrandingUpdate) -> Branding:
    row = _row(session, organisation_id)
    row.accent_colour = data.accent_colour.lower() if data.accent_colour else None
    row.contact_name = data.contact_name
    row.contact_email = data.contact_email
    row.validity_months = data.validity_months
    session.flush()
    return row


def set_logo(
    session: Session, organisation_id: uuid.UUID, content: bytes, media_type: str
) -> Branding:
    cleaned = logos.clean(content, media_type)
    row = _row(session, organisation_id)
    row.logo, row.logo_media_type, row.logo_sha256 = (
        cleaned.content,
        cleaned.media_type,
        cleaned.sha256,
    )
    session.flush()
    return row


def delete_logo(session: Session, organisation_id: uuid.UUID) -> Branding:
    row = _row(session, organisation_id)
    row.logo = row.logo_media_type = row.logo_sha256 = None
    session.flush()
    return row


def logo_of(session: Session, organisation_id: uuid.UUID) -> logos.Logo:
    row = get_branding(session, organisation_id)
    if row is None or row.logo is None or row.logo_media_type is None:
        raise NotFound("This organisation has no logo: upload one with PUT " + LOGO_URL + ".")
    return logos.Logo(row.logo, row.logo_media_type)


def brand(row: Branding | None, *, preview: bool) -> Brand:
    """The report's view of the branding; the logo as a data: URL in an HTML preview (its
    Content-Security-Policy allows images from data: only), as the renderer's own URL in a
    PDF."""
    if row is None:
        return Brand()
    url = ""
    if row.logo is not None and row.logo_media_type and row.logo_sha256:
        url = (
            f"data:{row.logo_media_type};base64,{base64.b64encode(row.logo).decode()}"
            if preview
            else PDF_LOGO_URL.format(sha256=row.logo_sha256)
        )
    return Brand(
        accent=row.accent_colour or Brand.accent,
        contact_name=row.contact_name or "",
        contact_email=row.contact_email or "",
        logo=url,
        validity_months=row.validity_months,
    )


def renderer_images(row: Branding | None) -> dict[str, tuple[bytes, str]]:
    """What the PDF renderer may serve besides its bundled assets: the logo, by its URL."""
    if row is None or row.logo is None or not row.logo_media_type or not row.logo_sha256:
        return {}
    return {PDF_LOGO_URL.format(sha256=row.logo_sha256): (row.logo, row.logo_media_type)}


def _row(session: Session, organisation_id: uuid.UUID) -> Branding:
    row = get_branding(session, organisation_id)
    if row is None:
        row = Branding(organisation_id=organisation_id)
        session.add(row)
    return row
