"""Reminders: the schedule (pure), and the worker queueing each reminder once on its day."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import AssessmentHistory, AssessmentStatus, HistoryKind
from service.auth.models import Organisation
from service.auth.principal import ActorType
from service.db import utcnow
from service.invitations import service as invitation_service
from service.mail import reminders
from service.mail.models import MailMessage
from service.mail.schedule import Schedule, parse_schedule
from service.questionnaires.catalog import Catalog
from tests import builders

DUE = date(2027, 3, 15)
SCHEDULE = Schedule(offsets=(-3, 0, 3), every=3, most=6)


@pytest.mark.parametrize(
    ("text", "offsets"),
    [("-3,0,+3", (-3, 0, 3)), (" +1 , -7,0,0", (-7, 0, 1)), ("", ())],
)
def test_schedules_are_read_from_the_setting(text: str, offsets: tuple[int, ...]) -> None:
    assert parse_schedule(text) == offsets


def test_a_bad_schedule_names_the_entry() -> None:
    with pytest.raises(ValueError, match="'three' is not a whole number of days"):
        parse_schedule("-3,three")


def test_the_schedule_repeats_while_overdue_up_to_the_maximum() -> None:
    assert SCHEDULE.all_offsets() == [-3, 0, 3, 6, 9, 12]
    assert Schedule((-1,), every=0, most=6).all_offsets() == [-1]
    assert Schedule((-3, 0, 3), every=3, most=2).all_offsets() == [-3, 0]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (DUE - timedelta(days=4), None),
        (DUE - timedelta(days=3), -3),
        (DUE - timedelta(days=1), -3),
        (DUE, 0),
        (DUE + timedelta(days=5), 3),
        (DUE + timedelta(days=30), 12),
    ],
)
def test_the_latest_reminder_reached_is_the_one_due(today: date, expected: int | None) -> None:
    assert SCHEDULE.due_today(DUE, DUE - timedelta(days=20), today) == expected


def test_no_reminder_for_days_before_the_request_went_out() -> None:
    started = DUE - timedelta(days=2)
    assert SCHEDULE.due_today(DUE, started, DUE - timedelta(days=1)) is None
    assert SCHEDULE.due_today(DUE, started, DUE) == 0


def reminders_to(session: Session, address: str) -> list[MailMessage]:
    query = select(MailMessage).where(
        MailMessage.recipient == address, MailMessage.kind == "reminder"
    )
    return list(session.scalars(query.order_by(MailMessage.created_at)))


def test_each_reminder_is_queued_once_on_its_day(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    today = utcnow().date()
    draft = builders.assessment(session, catalog, org, title="Northwind vision")
    actor = builders.principal(session, org)
    invitation_service.create_invitation(
        session,
        actor,
        draft,
        contact_name="Jane Doe",
        contact_email="jane@vendor.example",
        due_on=today + timedelta(days=5),
    )
    due = today + timedelta(days=5)
    days = {
        today: 0,
        due - timedelta(days=3): 1,
        due - timedelta(days=2): 0,
        due: 1,
        due + timedelta(days=3): 1,
        due + timedelta(days=4): 0,
        due + timedelta(days=6): 1,
    }
    for day, expected in days.items():
        assert reminders.queue_due(session, SCHEDULE, day) == expected, day
        assert reminders.queue_due(session, SCHEDULE, day) == 0, "a second look queues nothing"
    subjects = [m.subject for m in reminders_to(session, "jane@vendor.example")]
    assert subjects == [
        "Reminder: Northwind vision is due in 3 days",
        "Reminder: Northwind vision is due today",
        f"Overdue: Northwind vision was due on {due.day} {due:%B %Y}",
        f"Overdue: Northwind vision was due on {due.day} {due:%B %Y}",
    ]
    first = reminders_to(session, "jane@vendor.example")[0]
    assert "the link in the invitation e-mail" in first.text_body


def test_a_new_due_date_starts_over_and_a_submitted_assessment_gets_none(
    session: Session, catalog: Catalog, org: Organisation
) -> None:
    today = utcnow().date()
    owner = builders.user(session, org, email="owner@agency.example")
    actor = builders.principal(session, org)
    draft = builders.assessment(session, catalog, org)
    invitation_service.set_due_date(session, actor, draft, today + timedelta(days=3))
    _created_by(session, draft.id, owner.id)  # no vendor invited: the creator is reminded
    assert reminders.queue_due(session, SCHEDULE, today + timedelta(days=1)) == 0
    invitation_service.set_due_date(session, actor, draft, today + timedelta(days=2))
    assert reminders.queue_due(session, SCHEDULE, today + timedelta(days=2)) == 1
    [message] = reminders_to(session, "owner@agency.example")
    assert f"/assessments/{draft.id}" in message.text_body
    draft.status = AssessmentStatus.SUBMITTED
    session.flush()
    assert reminders.queue_due(session, SCHEDULE, today + timedelta(days=5)) == 0


def _created_by(session: Session, assessment_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Make the history say a person (not the builder's API key) started the assessment."""
    entry = session.scalar(
        select(AssessmentHistory).where(
            AssessmentHistory.assessment_id == assessment_id,
            AssessmentHistory.kind == HistoryKind.CREATED,
        )
    )
    assert entry is not None
    entry.actor_type, entry.actor_id = ActorType.USER, user_id
    session.flush()
