"""Vendor pages: list, create, view and edit, through the API's vendor service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from service.assessments import listing as assessment_listing
from service.dependencies import DbSession
from service.errors import ServiceError
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate, VendorUpdate
from service.web import refused_forms
from service.web.auth import DirectoryEditor, SignedIn, WebUser, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages, validation_messages
from service.web.listing import every
from service.web.pages import page, redirect

router = signed_in_router()

FIELDS = ("name", "website", "description", "external_id")
DETAILS = "details-title"


@router.get("/vendors")
def show_vendors(request: Request, session: DbSession, user: SignedIn) -> HTMLResponse:
    """Every vendor of the organisation, by name."""
    vendors = every(
        lambda p: vendor_service.list_vendors(session, user.principal.organisation_id, p)
    )
    context = {"vendors": sorted(vendors, key=lambda v: v.name.lower())}
    return page(request, session, user, "vendors/list.html", context, nav="vendors")


@router.get("/vendors/new")
def show_new_vendor(request: Request, session: DbSession, user: DirectoryEditor) -> HTMLResponse:
    """The form for a new vendor (with what was typed and the messages, after a refusal)."""
    values, errors = refused_forms.kept(session, user, "/vendors/new")
    return _form_page(request, session, user, values or {}, errors)


@router.post("/vendors")
def add_vendor(request: Request, session: DbSession, user: DirectoryEditor, form: Form) -> Response:
    """Create a vendor; the form comes back with messages when something is wrong."""
    values = fields(form, *FIELDS)
    try:
        data = VendorCreate.model_validate({**values, "name": values["name"] or ""})
    except ValidationError as exc:
        return refused_forms.retry(session, user, "/vendors/new", values, validation_messages(exc))
    organisation_id = user.principal.organisation_id
    created = attempt(session, lambda: vendor_service.create_vendor(session, organisation_id, data))
    if isinstance(created, ServiceError):
        return refused_forms.retry(session, user, "/vendors/new", values, service_messages(created))
    refused_forms.done(session, refused_forms.owner_of(user), "/vendors/new")
    return redirect(session, user, f"/vendors/{created.id}", f"Vendor {created.name} added.")


@router.get("/vendors/{vendor_id}")
def show_vendor(
    vendor_id: uuid.UUID, request: Request, session: DbSession, user: SignedIn
) -> HTMLResponse:
    """A vendor, its assessments, and (for editors) the form to change it."""
    vendor = vendor_service.get_vendor(session, user.principal.organisation_id, vendor_id)
    values, errors = refused_forms.kept(session, user, f"/vendors/{vendor_id}")
    values = values or {name: getattr(vendor, name) for name in FIELDS}
    return _vendor_page(request, session, user, vendor_id, values, errors)


@router.post("/vendors/{vendor_id}")
def edit_vendor(
    vendor_id: uuid.UUID, request: Request, session: DbSession, user: DirectoryEditor, form: Form
) -> Response:
    """Change a vendor; blank optional fields are cleared."""
    vendor = vendor_service.get_vendor(session, user.principal.organisation_id, vendor_id)
    url, values = f"/vendors/{vendor_id}", fields(form, *FIELDS)
    try:
        data = VendorUpdate.model_validate({**values, "name": values["name"] or ""})
    except ValidationError as exc:
        return refused_forms.retry(
            session, user, url, values, validation_messages(exc), anchor=DETAILS
        )
    updated = attempt(session, lambda: vendor_service.update_vendor(session, vendor, data))
    if isinstance(updated, ServiceError):
        return refused_forms.retry(
            session, user, url, values, service_messages(updated), anchor=DETAILS
        )
    refused_forms.done(session, refused_forms.owner_of(user), url)
    return redirect(session, user, f"/vendors/{vendor_id}", "Vendor details saved.")


def _form_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    values: Mapping[str, object],
    errors: Mapping[str, str],
) -> HTMLResponse:
    context = {"values": values, "errors": errors}
    return page(request, session, user, "vendors/new.html", context, nav="vendors")


def _vendor_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    vendor_id: uuid.UUID,
    values: Mapping[str, object],
    errors: Mapping[str, str],
) -> HTMLResponse:
    organisation_id = user.principal.organisation_id
    vendor = vendor_service.get_vendor(session, organisation_id, vendor_id)
    rows = every(
        lambda p: assessment_listing.list_assessments(
            session, organisation_id, p, vendor_id=vendor_id
        )
    )
    context = {
        "vendor": vendor,
        "values": values,
        "errors": errors,
        "assessments": sorted(
            assessment_listing.summaries(rows), key=lambda s: s.updated_at, reverse=True
        ),
    }
    return page(request, session, user, "vendors/detail.html", context, nav="vendors")
