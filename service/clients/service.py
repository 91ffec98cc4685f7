"""Client records and their environment profile (answers to `client-environment`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from service import external_ids
from service.catalog import service as catalog_service
from service.catalog.schemas import QuestionnaireRef
from service.clients.models import Client
from service.clients.schemas import ClientCreate, ClientRead, ClientUpdate, ClientUpsert
from service.errors import Conflict, NotFound
from service.pagination import PageParams, contains, fetch_page
from service.questionnaires.answers import merge, missing_required
from service.questionnaires.catalog import Catalog
from service.tombstones.rules import deleted_detail, live_or_gone, visible
from service.webhooks import notify
from service.webhooks.events import EventType

ENVIRONMENT_SLUG = "client-environment"


def create_client(
    session: Session, catalog: Catalog, organisation_id: uuid.UUID, data: ClientCreate
) -> Client:
    external_ids.ensure_free(session, Client, organisation_id, data.external_id)
    definition = catalog_service.latest(catalog, ENVIRONMENT_SLUG)
    catalog_service.require_valid_answers(definition.questionnaire, data.environment)
    client = Client(
        organisation_id=organisation_id,
        name=data.name,
        description=data.description,
        external_id=data.external_id,
        environment=merge({}, data.environment),
        environment_questionnaire=catalog_service.publish(session, definition),
    )
    session.add(client)
    session.flush()
    notify.client_changed(session, client, EventType.CLIENT_CREATED)
    return client


def upsert_client(
    session: Session,
    catalog: Catalog,
    organisation_id: uuid.UUID,
    external_id: str,
    data: ClientUpsert,
) -> tuple[Client, bool]:
    """Create or replace the client with this CRM id; says whether it was created."""
    client = find_by_external_id(session, organisation_id, external_id)
    if client is None:
        create = ClientCreate(**data.model_dump(), external_id=external_id)
        return create_client(session, catalog, organisation_id, create), True
    refuse_tombstone(client)
    definition = catalog_service.latest(catalog, ENVIRONMENT_SLUG)
    catalog_service.require_valid_answers(definition.questionnaire, data.environment)
    client.name, client.description = data.name, data.description
    client.environment = merge({}, data.environment)
    client.environment_questionnaire = catalog_service.publish(session, definition)
    _changed(session, client)
    return client, False


def refuse_tombstone(client: Client) -> None:
    """A CRM id whose client was deleted is not silently brought back by an upsert."""
    if client.deleted_at is not None:
        raise Conflict(
            deleted_detail("client", client.id, client.deleted_at)
            + " Restore it first to keep its history, or use another external_id.",
            errors=[{"field": "path.external_id", "message": "belongs to a deleted client"}],
        )


def _changed(session: Session, client: Client) -> None:
    """Flush, and tell the CRM when something really changed (a same-value PUT is silent)."""
    if session.is_modified(client):
        session.flush()
        notify.client_changed(session, client, EventType.CLIENT_UPDATED)


def find_by_external_id(
    session: Session, organisation_id: uuid.UUID, external_id: str
) -> Client | None:
    query = _with_questionnaire().where(
        Client.organisation_id == organisation_id, Client.external_id == external_id
    )
    return session.scalar(query)


def get_by_external_id(session: Session, organisation_id: uuid.UUID, external_id: str) -> Client:
    client = find_by_external_id(session, organisation_id, external_id)
    if client is None:
        raise NotFound(f"There is no client with external_id '{external_id}'.")
    found: Client = live_or_gone(client, "client", client.id)
    return found


def get_client(
    session: Session,
    organisation_id: uuid.UUID,
    client_id: uuid.UUID,
    *,
    include_deleted: bool = False,
) -> Client:
    query = _with_questionnaire().where(
        Client.id == client_id, Client.organisation_id == organisation_id
    )
    found: Client = live_or_gone(session.scalar(query), "client", client_id, include_deleted)
    return found


def update_client(session: Session, catalog: Catalog, client: Client, data: ClientUpdate) -> Client:
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes:
        external_ids.ensure_free(
            session, Client, client.organisation_id, changes["external_id"], current_id=client.id
        )
    patch = changes.pop("environment", None)
    if patch is not None:
        _update_environment(session, catalog, client, patch)
    for field, value in changes.items():
        setattr(client, field, value)
    _changed(session, client)
    return client


def _update_environment(
    session: Session, catalog: Catalog, client: Client, patch: dict[str, object]
) -> None:
    """Merge environment answers, judged by (and pinned to) the latest questionnaire version."""
    definition = catalog_service.latest(catalog, ENVIRONMENT_SLUG)
    merged = merge(client.environment, patch)
    catalog_service.require_valid_answers(definition.questionnaire, merged)
    client.environment = merged
    client.environment_questionnaire = catalog_service.publish(session, definition)


def list_clients(
    session: Session,
    organisation_id: uuid.UUID,
    page: PageParams,
    *,
    external_id: str | None = None,
    search: str | None = None,
    include_deleted: bool = False,
) -> tuple[Sequence[Client], str | None]:
    """Tombstones are included with `include_deleted`, and in incremental syncs."""
    query = _with_questionnaire().where(Client.organisation_id == organisation_id)
    syncing = page.updated_since is not None
    query = visible(query, Client, include_deleted=include_deleted, syncing=syncing)
    if external_id is not None:
        query = query.where(Client.external_id == external_id)
    if search:
        query = query.where(contains(Client.name, search))
    return fetch_page(session, query, Client.updated_at, Client.id, page)


def _with_questionnaire() -> Select[Client]:
    return select(Client).options(selectinload(Client.environment_questionnaire))


def to_read(client: Client) -> ClientRead:
    pinned = client.environment_questionnaire
    questionnaire = catalog_service.questionnaire_of(pinned)
    return ClientRead(
        id=client.id,
        name=client.name,
        description=client.description,
        external_id=client.external_id,
        environment=client.environment,
        environment_questionnaire=QuestionnaireRef.of(pinned),
        environment_missing=[q.id for q in missing_required(questionnaire, client.environment)],
        created_at=client.created_at,
        updated_at=client.updated_at,
        deleted_at=client.deleted_at,
    )
