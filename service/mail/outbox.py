"""The e-mail outbox: queue a message in the caller's transaction; workers claim and send it.

A message is rendered when it is queued, so what is sent is what the change described, even
if the assessment changes again before the worker gets to it. Workers claim due messages with
a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, see service.leases), send, and record the
outcome only if the lease is still theirs. A worker killed before the SMTP server accepted a
message leaves its lease to run out; the next worker sends it, once. Failures are retried
with exponential backoff; a refusal of the message itself (5xx) is final.

Messages that carry a one-time link (invitations, password resets) are `sensitive`: once
sent, their bodies are replaced by a note, so the database never keeps a usable link.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.leases import claim_due, release_claim
from service.mail.compose import compose
from service.mail.models import MailMessage, MailStatus
from service.mail.sender import Outgoing, Sent, message_id

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 10
"""Waits of 1, 2, 4 ... minutes, capped at 6 hours: ten attempts over about a day."""
JITTER = 0.2
SCRUBBED = "[Removed after sending: this message carried a one-time link.]"


def queue(
    session: Session,
    organisation_id: uuid.UUID | None,
    kind: str,
    recipient: str,
    context: Mapping[str, Any],
    *,
    dedupe_key: str | None = None,
    sensitive: bool = False,
) -> MailMessage:
    """Render the message and add it to the outbox; it commits (or not) with the caller."""
    composed = compose(kind, context)
    message = MailMessage(
        organisation_id=organisation_id,
        kind=kind,
        sensitive=sensitive,
        dedupe_key=dedupe_key,
        recipient=recipient,
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
    )
    session.add(message)
    session.flush()
    return message


def exists(session: Session, dedupe_key: str) -> bool:
    query = select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key)
    return session.scalar(query) is not None


@dataclass(frozen=True)
class Claimed:
    message_id: uuid.UUID
    lease_token: uuid.UUID
    attempt: int
    outgoing: Outgoing


def claim(
    session: Session, limit: int, sender: str, lease: timedelta, now: datetime | None = None
) -> list[Claimed]:
    rows, token = claim_due(
        session,
        MailMessage,
        pending=MailMessage.status == MailStatus.PENDING,
        due=MailMessage.next_attempt_at,
        limit=limit,
        lease=lease,
        now=now or utcnow(),
    )
    return [
        Claimed(
            message_id=row.id,
            lease_token=token,
            attempt=row.attempts,
            outgoing=Outgoing(
                message_id=message_id(str(row.id), sender),
                sender=sender,
                recipient=row.recipient,
                subject=row.subject,
                text=row.text_body,
                html=row.html_body,
            ),
        )
        for row in rows
    ]


def still_ours(session: Session, claimed: Claimed) -> bool:
    query = select(MailMessage.lease_token).where(MailMessage.id == claimed.message_id)
    return session.scalar(query) == claimed.lease_token


def release(session: Session, claimed: Claimed) -> None:
    release_claim(session, MailMessage, claimed.message_id, claimed.lease_token)


def finish(session: Session, claimed: Claimed, sent: Sent, now: datetime | None = None) -> None:
    """Record the outcome, unless the lease ran out and another worker took the message."""
    now = now or utcnow()
    row = session.get(MailMessage, claimed.message_id, with_for_update=True)
    if row is None or row.lease_token != claimed.lease_token:
        return
    row.lease_until, row.lease_token, row.last_error = None, None, sent.error
    if sent.ok:
        row.status, row.sent_at = MailStatus.SENT, now
        if row.sensitive:
            row.text_body = row.html_body = SCRUBBED
    elif sent.permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = MailStatus.FAILED
    else:
        row.next_attempt_at = now + backoff(row.attempts)
    session.flush()


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling, jittered, capped."""
    wait: timedelta = min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)
    return wait * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - not a secret
