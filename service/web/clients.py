"""Client pages: list, create, details, and the environment profile form."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from service.assessments import listing as assessment_listing
from service.assessments.merging import same
from service.catalog import service as catalog_service
from service.clients import service as client_service
from service.clients.models import Client
from service.clients.schemas import ClientCreate, ClientUpdate
from service.dependencies import CatalogDep, DbSession
from service.errors import ServiceError
from service.questionnaires.catalog import Catalog
from service.questionnaires.messages import refusals
from service.questionnaires.schema import Questionnaire
from service.web import answer_forms, refused_forms
from service.web.answer_forms import loaded, loaded_json
from service.web.auth import DirectoryEditor, SignedIn, WebUser, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages, validation_messages
from service.web.listing import every
from service.web.pages import page, redirect
from service.web.questionnaire_view import questionnaire_view, state_payload
from service.web.templating import secure

router = signed_in_router()

FIELDS = ("name", "description", "external_id")


def environment_questionnaire(catalog: Catalog) -> Questionnaire:
    """The version environment answers are judged by (and pinned to) when they are saved."""
    return catalog_service.latest(catalog, client_service.ENVIRONMENT_SLUG).questionnaire


@router.get("/clients")
def show_clients(request: Request, session: DbSession, user: SignedIn) -> HTMLResponse:
    """Every client, with how complete its environment profile is."""
    clients = every(
        lambda p: client_service.list_clients(session, user.principal.organisation_id, p)
    )
    rows = [client_service.to_read(c) for c in sorted(clients, key=lambda c: c.name.lower())]
    return page(request, session, user, "clients/list.html", {"clients": rows}, nav="clients")


@router.get("/clients/new")
def show_new_client(request: Request, session: DbSession, user: DirectoryEditor) -> HTMLResponse:
    """The form for a new client (with what was typed and the messages, after a refusal)."""
    values, errors = refused_forms.kept(session, user, "/clients/new")
    return _new_page(request, session, user, values or {}, errors)


@router.post("/clients")
def add_client(
    request: Request, session: DbSession, catalog: CatalogDep, user: DirectoryEditor, form: Form
) -> Response:
    """Create a client, then go on to describe its environment."""
    values = fields(form, *FIELDS)
    try:
        data = ClientCreate.model_validate({**values, "name": values["name"] or ""})
    except ValidationError as exc:
        return refused_forms.retry(session, user, "/clients/new", values, validation_messages(exc))
    organisation_id = user.principal.organisation_id
    created = attempt(
        session, lambda: client_service.create_client(session, catalog, organisation_id, data)
    )
    if isinstance(created, ServiceError):
        return refused_forms.retry(session, user, "/clients/new", values, service_messages(created))
    refused_forms.done(session, refused_forms.owner_of(user), "/clients/new")
    flash = f"Client {created.name} added. Now describe its environment."
    return redirect(session, user, f"/clients/{created.id}#environment", flash)


@router.get("/clients/{client_id}")
def show_client(
    client_id: uuid.UUID, request: Request, session: DbSession, catalog: CatalogDep, user: SignedIn
) -> HTMLResponse:
    """A client: details, environment profile and assessments."""
    client = client_service.get_client(session, user.principal.organisation_id, client_id)
    values, errors = refused_forms.kept(session, user, f"/clients/{client_id}")
    entered, env_errors = refused_forms.kept(session, user, _environment_key(client))
    return _client_page(
        request,
        session,
        catalog,
        user,
        client,
        values=values or {name: getattr(client, name) for name in FIELDS},
        errors=errors,
        env_errors=env_errors,
        entered=entered,
    )


@router.post("/clients/{client_id}")
def edit_client(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    catalog: CatalogDep,
    user: DirectoryEditor,
    form: Form,
) -> Response:
    """Change a client's name, description or CRM id."""
    client = client_service.get_client(session, user.principal.organisation_id, client_id)
    url, values = f"/clients/{client_id}", fields(form, *FIELDS)
    try:
        data = ClientUpdate.model_validate({**values, "name": values["name"] or ""})
    except ValidationError as exc:
        errors = validation_messages(exc)
        return refused_forms.retry(session, user, url, values, errors, anchor="details-title")
    updated = attempt(session, lambda: client_service.update_client(session, catalog, client, data))
    if isinstance(updated, ServiceError):
        errors = service_messages(updated)
        return refused_forms.retry(session, user, url, values, errors, anchor="details-title")
    refused_forms.done(session, refused_forms.owner_of(user), url)
    return redirect(session, user, f"/clients/{client_id}", "Client details saved.")


@router.post("/clients/{client_id}/environment")
def save_client_environment(
    client_id: uuid.UUID, session: DbSession, catalog: CatalogDep, user: DirectoryEditor, form: Form
) -> Response:
    """Save the environment profile; answers the rules refuse are kept out and explained."""
    client = _locked(session, user, client_id)
    patch, refused = _save_environment(session, catalog, client, form)
    key = _environment_key(client)
    if refused:
        entered = {q: patch[q] for q in refused if q in patch}
        return refused_forms.retry(
            session, user, f"/clients/{client_id}", entered, refused, anchor="environment", key=key
        )
    refused_forms.done(session, refused_forms.owner_of(user), key)
    return redirect(session, user, f"/clients/{client_id}#environment", "Environment saved.")


@router.post("/clients/{client_id}/environment/autosave")
def autosave_client_environment(
    client_id: uuid.UUID, session: DbSession, catalog: CatalogDep, user: DirectoryEditor, form: Form
) -> JSONResponse:
    """Save the environment profile from the page script; reply with what the page shows now."""
    client = _locked(session, user, client_id)
    _, refused = _save_environment(session, catalog, client, form)
    if not refused:
        refused_forms.done(session, refused_forms.owner_of(user), _environment_key(client))
    count = len(refused)
    message = (
        f"{count} answer{'s were' if count > 1 else ' was'} not saved: see the message"
        f"{'s' if count > 1 else ''} next to {'them' if count > 1 else 'it'}."
        if refused
        else ""
    )
    payload = state_payload(environment_questionnaire(catalog), client.environment, refused)
    body = {
        "status": "saved",
        "message": message,
        "base": loaded_json(client.environment),
        **payload,
    }
    return secure(JSONResponse(body))


def _locked(session: Session, user: WebUser, client_id: uuid.UUID) -> Client:
    client = client_service.get_client(session, user.principal.organisation_id, client_id)
    session.refresh(client, with_for_update=True)
    return client


def _save_environment(
    session: Session, catalog: Catalog, client: Client, form: Form
) -> tuple[dict[str, Any], dict[str, str]]:
    """Save the answers this page changed (others' changes since it loaded are kept)."""
    patch, refused = _environment_patch(catalog, client, form)
    base = loaded(form)
    accepted = {
        q: v
        for q, v in patch.items()
        if q not in refused and (base is None or not same(v, base.get(q)))
    }
    if not accepted:
        return patch, refused
    saved = attempt(
        session,
        lambda: client_service.update_client(
            session, catalog, client, ClientUpdate(environment=accepted)
        ),
    )
    if isinstance(saved, ServiceError):
        refused = {**service_messages(saved), **refused}
    return patch, refused


@router.post("/clients/{client_id}/environment/preview")
def preview_client_environment(
    client_id: uuid.UUID, session: DbSession, catalog: CatalogDep, user: DirectoryEditor, form: Form
) -> JSONResponse:
    """For the page script: which questions show and which answers are refused. Saves nothing."""
    client = client_service.get_client(session, user.principal.organisation_id, client_id)
    patch, refused = _environment_patch(catalog, client, form)
    accepted = {q: v for q, v in patch.items() if q not in refused and v is not None}
    payload = state_payload(environment_questionnaire(catalog), accepted, refused)
    return secure(JSONResponse({"status": "preview", **payload}))


def _environment_key(client: Client) -> str:
    """Where a refused environment form is kept (the client page has two forms)."""
    return f"/clients/{client.id}#environment"


def _environment_patch(
    catalog: Catalog, client: Client, form: Form
) -> tuple[dict[str, Any], dict[str, str]]:
    questionnaire = environment_questionnaire(catalog)
    patch = answer_forms.decode(questionnaire, form, client.environment)
    refused = refusals(questionnaire, patch)
    return patch, refused


def _new_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    values: Mapping[str, object],
    errors: Mapping[str, str],
) -> HTMLResponse:
    context = {"values": values, "errors": errors}
    return page(request, session, user, "clients/new.html", context, nav="clients")


def _client_page(
    request: Request,
    session: DbSession,
    catalog: Catalog,
    user: WebUser,
    client: Client,
    *,
    values: Mapping[str, object] | None = None,
    errors: Mapping[str, str] | None = None,
    env_errors: Mapping[str, str] | None = None,
    entered: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    rows = every(
        lambda p: assessment_listing.list_assessments(
            session, client.organisation_id, p, client_id=client.id
        )
    )
    context = {
        "client": client_service.to_read(client),
        "values": values or {name: getattr(client, name) for name in FIELDS},
        "errors": errors or {},
        "environment": questionnaire_view(
            environment_questionnaire(catalog),
            client.environment,
            errors=env_errors,
            entered=entered,
        ),
        "env_errors": env_errors or {},
        "env_base": loaded_json(client.environment),
        "assessments": sorted(
            assessment_listing.summaries(rows), key=lambda s: s.updated_at, reverse=True
        ),
    }
    return page(request, session, user, "clients/detail.html", context, nav="clients")
