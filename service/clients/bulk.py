"""Bulk upsert of clients by external id: one request, one transaction, all or nothing.

Every item's environment is checked against the latest `client-environment` questionnaire
before anything is written, and a refusal lists the bad answers of every item at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service import bulk
from service.catalog import service as catalog_service
from service.clients.models import Client
from service.clients.schemas import ClientBulkItem
from service.clients.service import ENVIRONMENT_SLUG
from service.errors import Conflict, InvalidInput
from service.questionnaires.answers import check_answers, merge
from service.questionnaires.catalog import Catalog
from service.questionnaires.schema import Questionnaire
from service.webhooks import notify
from service.webhooks.events import EventType
from service.webhooks.service import active_endpoints


def upsert_clients(
    session: Session, catalog: Catalog, organisation_id: uuid.UUID, items: Sequence[ClientBulkItem]
) -> list[tuple[Client, bulk.Outcome]]:
    bulk.refuse_duplicates(items)
    definition = catalog_service.latest(catalog, ENVIRONMENT_SLUG)
    _check_environments(definition.questionnaire, items)
    existing = _existing(session, organisation_id, [i.external_id for i in items])
    _refuse_tombstones(items, existing)
    pinned = catalog_service.publish(session, definition)
    done: list[tuple[Client, bulk.Outcome]] = []
    for item in items:
        client = existing.get(item.external_id)
        created = client is None
        if client is None:
            client = Client(organisation_id=organisation_id, external_id=item.external_id)
            session.add(client)
        client.name, client.description = item.name, item.description
        client.environment = merge({}, item.environment)
        client.environment_questionnaire = pinned
        changed = created or session.is_modified(client)
        outcome: bulk.Outcome = "created" if created else "updated" if changed else "unchanged"
        done.append((client, outcome))
    session.flush()
    _notify(session, organisation_id, done)
    return done


def _notify(
    session: Session, organisation_id: uuid.UUID, done: list[tuple[Client, bulk.Outcome]]
) -> None:
    endpoints = active_endpoints(session, organisation_id)
    for client, outcome in done:
        if outcome != "unchanged":
            kind = EventType.CLIENT_CREATED if outcome == "created" else EventType.CLIENT_UPDATED
            notify.client_changed(session, client, kind, endpoints)
    session.flush()


def _check_environments(questionnaire: Questionnaire, items: Sequence[ClientBulkItem]) -> None:
    errors = [
        {"field": f"body.items.{index}.environment", "question": p.question, "message": p.message}
        for index, item in enumerate(items)
        for p in check_answers(questionnaire, item.environment)
    ]
    if errors:
        first = errors[0]
        raise InvalidInput(
            f"{len(errors)} environment answer(s) are not valid; nothing was written. First: "
            f"{first['field']} {first['question']}: {first['message']}",
            errors=errors,
        )


def _existing(
    session: Session, organisation_id: uuid.UUID, external_ids: list[str]
) -> dict[str, Client]:
    query = (
        select(Client)
        .where(Client.organisation_id == organisation_id, Client.external_id.in_(external_ids))
        .options(selectinload(Client.environment_questionnaire))
    )
    return {c.external_id: c for c in session.scalars(query) if c.external_id is not None}


def _refuse_tombstones(items: Sequence[ClientBulkItem], existing: dict[str, Client]) -> None:
    errors = [
        {
            "field": f"body.items.{index}.external_id",
            "message": f"belongs to client {found.id}, deleted; restore it or use another id",
        }
        for index, item in enumerate(items)
        if (found := existing.get(item.external_id)) is not None and found.deleted_at is not None
    ]
    if errors:
        raise Conflict(
            f"{len(errors)} item(s) name deleted clients; nothing was written. Restore them "
            "(POST /api/v1/clients/{id}/restore) or send other external ids.",
            errors=errors,
        )
