"""The explained score's JSON, kept per process by score record id.

A score record is never changed once written (a rescore adds a record), and everything
`GET .../score` shows comes from the record and the definitions it names by content hash, so
the body built for a record id stays right for as long as the process lives. Building it
(the findings, the stored improvement paths, the pydantic models and their JSON) took 2-3 ms
for a record with many findings, more than the rest of the request; a record seen before
now costs one small statement for the assessment's score pointer.

Bounded by size (`MAX_BYTES`, least recently used out first), shared by the request threads.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict

from sqlalchemy.orm import Session

from service.assessments import reading
from service.scores import service as score_service

MAX_BYTES = 32 * 1024 * 1024
"""About 600 explained scores of 50 KB (a record with many findings and paths)."""


class _Bodies:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[uuid.UUID, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, score_id: uuid.UUID) -> bytes | None:
        with self._lock:
            body = self._bodies.get(score_id)
            if body is not None:
                self._bodies.move_to_end(score_id)
            return body

    def put(self, score_id: uuid.UUID, body: bytes) -> None:
        with self._lock:
            if score_id in self._bodies or len(body) > self.max_bytes:
                return
            self._bodies[score_id] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._size = 0


BODIES = _Bodies(MAX_BYTES)


def latest_score_body(
    session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID
) -> bytes:
    """`GET .../score`'s body: the latest score, explained, as JSON (NotFound as
    `reading.latest_score_id`)."""
    score_id = reading.latest_score_id(session, organisation_id, assessment_id)
    body = BODIES.get(score_id)
    if body is None:
        record = reading.read_score_record(session, score_id)
        body = score_service.read_score(record).model_dump_json(by_alias=True).encode()
        BODIES.put(score_id, body)
    return body
