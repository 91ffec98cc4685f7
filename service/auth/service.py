"""Organisations and API keys: creation, listing, revocation, and authentication."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import ApiKey, Organisation
from service.auth.permissions import Role
from service.auth.principal import ActorType, Principal
from service.auth.tokens import hash_token, new_token
from service.db import utcnow
from service.errors import NotFound, Unauthenticated

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="stackvet"'}


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    token: str


def get_or_create_organisation(session: Session, name: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
    return organisation


def find_organisation(session: Session, name: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.name == name))


def organisation_names(session: Session, limit: int = 10) -> list[str]:
    query = select(Organisation.name).order_by(Organisation.name).limit(limit)
    return list(session.scalars(query))


def get_organisation(session: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no organisation {organisation_id}.")
    return organisation


def create_key(session: Session, organisation: Organisation, role: Role, name: str) -> CreatedKey:
    token = new_token()
    key = ApiKey(
        organisation_id=organisation.id,
        name=name,
        prefix=token.prefix,
        token_hash=token.token_hash,
        role=role,
    )
    session.add(key)
    session.flush()
    return CreatedKey(key=key, token=token.token)


def list_keys(session: Session, organisation_id: uuid.UUID) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .where(ApiKey.organisation_id == organisation_id)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(session.scalars(query))


def get_key(session: Session, organisation_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.organisation_id != organisation_id:
        raise NotFound(f"There is no API key {key_id}.")
    return key


def revoke_key(session: Session, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def authenticate(session: Session, token: str | None) -> Principal:
    """The principal behind a bearer token; any problem is the same 401. Nothing is written:
    `last_used_at` is refreshed apart from the request (see `service.auth.usage`)."""
    return principal_for_key(find_key(session, token))


def find_key(session: Session, token: str | None) -> ApiKey:
    """The live key behind a bearer token, read only; any problem is the same 401."""
    if not token:
        raise Unauthenticated(
            "Send an API key as 'Authorization: Bearer <key>'.", headers=BEARER_CHALLENGE
        )
    key = session.scalar(select(ApiKey).where(ApiKey.token_hash == hash_token(token)))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated(
            "The API key is not valid: it may be mistyped or revoked.", headers=BEARER_CHALLENGE
        )
    return key


@dataclass(frozen=True)
class LiveKey:
    """The columns of a live (not revoked) API key that a request needs, read once per request
    (see `live_key`)."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    role: Role
    prefix: str
    name: str
    last_used_at: datetime | None


def live_key(session: Session, token: str) -> LiveKey | None:
    """The live key behind a bearer token, or None: one indexed read, no ORM identity.

    The rate-limit check reads it first and keeps it on the request for authentication
    (`auth.dependencies.current_principal`), so a request looks its key up once. Revocation
    stays immediate: every request reads the key's row."""
    query = select(
        ApiKey.id,
        ApiKey.organisation_id,
        ApiKey.role,
        ApiKey.prefix,
        ApiKey.name,
        ApiKey.last_used_at,
    ).where(ApiKey.token_hash == hash_token(token), ApiKey.revoked_at.is_(None))
    row = session.execute(query).first()
    return LiveKey(*row) if row is not None else None


def principal_for_key(key: ApiKey | LiveKey) -> Principal:
    return Principal(
        organisation_id=key.organisation_id,
        role=key.role,
        actor_type=ActorType.API_KEY,
        actor_id=key.id,
        label=f"API key {key.prefix} ({key.name})",
    )
