"""Idempotency keys: a retried POST replays the first response instead of acting twice.

claim()     before the endpoint runs, in its own short transaction (committed at once, so
            a concurrent retry sees it): a new key is claimed for this request; a key
            already completed with the same request is replayed; with another request,
            422; still in flight, 409.
complete()  after the endpoint, in the request's own transaction: the response is stored
            in the same commit as the effect, so a crash can never leave an effect without
            its stored response (the key stays in flight, and expires).
release()   when the request fails: the key is freed, so the client can retry.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.db import utcnow
from service.errors import BadRequest, Conflict, InvalidInput
from service.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
IN_FLIGHT_LEASE = timedelta(seconds=60)
_VALID = re.compile(r"^[\x21-\x7e]{1,255}$")
REPLAYED_HEADERS = ("content-type", "location", "etag")


@dataclass(frozen=True)
class Replay:
    status: int
    headers: dict[str, str]
    body: bytes


class ReplayResponse(Exception):
    """Raised to answer with the stored response of the first request."""

    def __init__(self, replay: Replay) -> None:
        super().__init__("idempotent replay")
        self.replay = replay


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not _VALID.match(key):
        raise BadRequest(
            f"{HEADER} must be 1 to 255 visible ASCII characters, such as a UUID.",
            errors=[{"field": f"header.{HEADER}", "message": "not a valid idempotency key"}],
        )
    return key


def claim(
    factory: sessionmaker[Session],
    organisation_id: uuid.UUID,
    key: str,
    fingerprint: str,
    method: str,
    path: str,
) -> uuid.UUID:
    """Claim the key for this request, or raise Replay / Conflict / InvalidInput."""
    now = utcnow()
    with factory.begin() as session:
        existing = session.scalar(_find(organisation_id, key).with_for_update())
        if existing is None:
            return _insert(session, organisation_id, key, fingerprint, method, path)
        return _reuse(existing, fingerprint, now)


def _find(organisation_id: uuid.UUID, key: str) -> Any:
    return select(IdempotencyKey).where(
        IdempotencyKey.organisation_id == organisation_id, IdempotencyKey.key == key
    )


def _insert(
    session: Session, organisation_id: uuid.UUID, key: str, fingerprint: str, method: str, path: str
) -> uuid.UUID:
    row = IdempotencyKey(
        organisation_id=organisation_id,
        key=key,
        request_hash=fingerprint,
        method=method,
        path=path,
        completed=False,
        locked_until=utcnow() + IN_FLIGHT_LEASE,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise _in_flight() from None  # a concurrent request claimed it a moment ago
    return row.id


def _reuse(existing: IdempotencyKey, fingerprint: str, now: Any) -> uuid.UUID:
    if existing.request_hash != fingerprint:
        raise InvalidInput(
            f"This {HEADER} was already used with a different request "
            f"({existing.method} {existing.path}); use a new key for a new request.",
            errors=[{"field": f"header.{HEADER}", "message": "reused with a different request"}],
        )
    if existing.completed:
        assert existing.response_status is not None
        raise ReplayResponse(
            Replay(
                existing.response_status,
                dict(existing.response_headers or {}),
                existing.response_body or b"",
            )
        )
    if existing.locked_until is not None and existing.locked_until > now:
        raise _in_flight()
    existing.locked_until = now + IN_FLIGHT_LEASE  # an abandoned attempt: take it over
    return existing.id


def _in_flight() -> Conflict:
    return Conflict(
        f"A request with this {HEADER} is still being processed; retry in a moment to get "
        "its response.",
        headers={"Retry-After": "1"},
    )


def complete(
    session: Session, claim_id: uuid.UUID, status: int, headers: dict[str, str], body: bytes
) -> None:
    row = session.get(IdempotencyKey, claim_id)
    if row is None:
        return
    row.completed = True
    row.locked_until = None
    row.response_status = status
    row.response_headers = {k: v for k, v in headers.items() if k in REPLAYED_HEADERS}
    row.response_body = body


def release(factory: sessionmaker[Session], claim_id: uuid.UUID) -> None:
    with factory.begin() as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claim_id, IdempotencyKey.completed.is_(False)
            )
        )
