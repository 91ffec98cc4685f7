"""The report branding settings page: admins only, with the same limits as the API."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from service.auth.permissions import Role
from tests.web.visitor import Visitor


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 90), (20, 60, 140)).save(out, format="PNG")
    return out.getvalue()


def save(visitor: Visitor, data: dict[str, str], logo: tuple[str, bytes, str] | None = None):  # type: ignore[no-untyped-def]
    files = {"logo": logo} if logo else None
    return visitor.http.post(
        "/settings/branding", data={"_csrf": visitor.csrf, **data}, files=files
    )


def test_an_admin_sets_the_branding_and_sees_the_logo(
    signed_in: Callable[[Role], Visitor],
) -> None:
    admin = signed_in(Role.ADMIN)
    assert 'href="/settings/branding"' in admin.get("/").text
    response = save(
        admin,
        {
            "contact_name": "Dana Reyes",
            "contact_email": "dana@agency.example",
            "accent_colour": "#0b6e4f",
        },
        ("logo.png", png(), "image/png"),
    )
    assert response.status_code == 303, response.text
    page = admin.get("/settings/branding").text
    assert 'value="Dana Reyes"' in page
    assert 'value="#0b6e4f"' in page
    assert '<img src="/settings/branding/logo?v=' in page
    logo = admin.get("/settings/branding/logo")
    assert logo.headers["content-type"] == "image/png"


def test_a_bad_logo_or_colour_is_shown_next_to_its_field(
    signed_in: Callable[[Role], Visitor],
) -> None:
    admin = signed_in(Role.ADMIN)
    response = save(admin, {"accent_colour": "blue"})
    assert response.status_code == 422
    assert "Accent colour" in response.text
    refused = save(admin, {}, ("logo.gif", b"GIF89a", "image/gif"))
    assert refused.status_code == 422
    assert "is not a logo format" in refused.text
    assert "/settings/branding/logo" not in refused.text  # nothing stored


def test_other_roles_cannot_change_the_branding(signed_in: Callable[[Role], Visitor]) -> None:
    lead = signed_in(Role.ACCOUNT_LEAD)
    assert 'href="/settings/branding"' not in lead.get("/").text
    assert lead.get("/settings/branding").status_code == 403
