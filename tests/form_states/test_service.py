"""Refused forms kept per browser and page: kept across reloads, replaced, forgotten, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.db import utcnow
from service.form_states import service as form_states
from service.form_states.models import FormState

pytestmark = pytest.mark.db


def test_a_kept_form_is_read_back_until_forgotten(session: Session) -> None:
    form_states.keep(session, "session:a", "/vendors/new", {"errors": {"name": "is required"}})
    for _ in range(2):  # a reload reads it again
        assert form_states.recall(session, "session:a", "/vendors/new") == {
            "errors": {"name": "is required"}
        }
    assert form_states.recall(session, "session:b", "/vendors/new") is None, "another browser"
    assert form_states.recall(session, "session:a", "/clients/new") is None, "another page"
    form_states.forget(session, "session:a", "/vendors/new")
    assert form_states.recall(session, "session:a", "/vendors/new") is None


def test_a_new_refusal_replaces_the_last_and_old_ones_expire(session: Session) -> None:
    form_states.keep(session, "session:a", "/vendors/new", {"n": 1})
    form_states.keep(session, "session:a", "/vendors/new", {"n": 2})
    assert form_states.recall(session, "session:a", "/vendors/new") == {"n": 2}
    session.execute(update(FormState).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert form_states.recall(session, "session:a", "/vendors/new") is None, "expired"
    form_states.keep(session, "session:b", "/clients/new", {"n": 3})
    count = session.scalar(select(func.count()).select_from(FormState))
    assert count == 1, "keeping a form clears the expired ones"
