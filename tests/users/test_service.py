"""Users: creation rules, sign-in with its throttle, sessions, and the principal in history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.auth.principal import ActorType
from service.db import utcnow
from service.errors import Conflict, InvalidInput
from service.ratelimits import service as ratelimits
from service.ratelimits.models import RateLimitHit
from service.users import service as users_service
from service.users import sessions
from service.users.models import User
from service.users.service import SignInRefused, SignInThrottle
from tests import builders
from tests.builders import PASSWORD

THROTTLE = SignInThrottle()


def test_create_user_normalises_the_email(session: Session, org: Organisation) -> None:
    user = users_service.create_user(
        session,
        org,
        email=" Alice@Agency.Example ",
        name="Alice",
        role=Role.ADMIN,
        password=PASSWORD,
    )
    assert user.email == "alice@agency.example"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_create_user_explains_every_problem(session: Session, org: Organisation) -> None:
    with pytest.raises(InvalidInput) as caught:
        users_service.create_user(
            session, org, email="alice", name=" ", role=Role.INTEGRATION, password="short"
        )
    assert {e["field"]: e["message"] for e in caught.value.errors} == {
        "email": "'alice' is not an e-mail address",
        "name": "must be 1 to 200 characters",
        "role": "people can be admin, procurement, reviewer, account_lead; not integration",
        "password": "must be at least 12 characters long",
    }


def test_an_email_address_is_one_user(session: Session, org: Organisation) -> None:
    builders.user(session, org, email="alice@agency.example")
    other = builders.organisation(session)
    with pytest.raises(Conflict, match="already a user with the e-mail address alice@agency"):
        builders.user(session, other, email="ALICE@agency.example")


def test_sign_in(session: Session, org: Organisation) -> None:
    user = builders.user(session, org)
    assert users_service.sign_in(session, THROTTLE, user.email.upper(), PASSWORD, "1.2.3.4") is user
    assert user.last_sign_in_at is not None


@pytest.mark.parametrize("email", ["known", "unknown@agency.example"])
def test_a_failed_sign_in_is_the_same_answer_for_unknown_emails(
    session: Session, org: Organisation, email: str
) -> None:
    user = builders.user(session, org)
    result = users_service.sign_in(
        session, THROTTLE, user.email if email == "known" else email, "wrong password!", "1.2.3.4"
    )
    assert result == SignInRefused(
        "That e-mail address and password do not match. Check both and try again.", 401
    )


def test_failures_are_throttled_per_email_until_the_window_moves(
    session: Session, org: Organisation
) -> None:
    user = builders.user(session, org)
    old = utcnow() - THROTTLE.per_email.window + timedelta(minutes=2)
    for _ in range(THROTTLE.per_email.max_hits):
        ratelimits.record(session, THROTTLE.per_email, user.email, old)
    refused = users_service.sign_in(session, THROTTLE, user.email, PASSWORD, "1.2.3.4")
    assert isinstance(refused, SignInRefused)
    assert refused.status == 429
    assert refused.message.startswith(
        "Too many failed sign-ins for this e-mail address. For your security, try again in 2 "
        "minutes (after "
    )
    assert refused.retry_after is not None
    assert 60 < refused.retry_after <= 120
    for hit in session.scalars(select(RateLimitHit)):
        hit.created_at -= timedelta(minutes=2)
    session.flush()
    assert users_service.sign_in(session, THROTTLE, user.email, PASSWORD, "1.2.3.4") is user


def test_success_forgets_earlier_failures(session: Session, org: Organisation) -> None:
    user = builders.user(session, org)
    for _ in range(THROTTLE.per_email.max_hits - 1):
        users_service.sign_in(session, THROTTLE, user.email, "wrong password!", "1.2.3.4")
    users_service.sign_in(session, THROTTLE, user.email, PASSWORD, "1.2.3.4")
    users_service.sign_in(session, THROTTLE, user.email, "wrong password!", "1.2.3.4")
    assert users_service.sign_in(session, THROTTLE, user.email, PASSWORD, "1.2.3.4") is user


def test_the_principal_names_the_person_and_role(session: Session, org: Organisation) -> None:
    user = builders.user(session, org, Role.ACCOUNT_LEAD, name="Alice Example")
    principal = users_service.principal_for_user(user)
    assert principal.label == "Alice Example (account lead)"
    assert (principal.actor_type, principal.actor_id) == (ActorType.USER, user.id)
    assert principal.organisation_id == org.id


def test_sessions_start_resolve_and_end(session: Session, org: Organisation) -> None:
    user = builders.user(session, org)
    started = sessions.start(session, user)
    assert started.row.token_hash != started.token
    resolved = sessions.resolve(session, started.token)
    assert resolved is not None
    assert resolved.user is user
    replaced = sessions.start(session, user, previous_token=started.token)
    assert sessions.resolve(session, started.token) is None
    sessions.end(session, replaced.token)
    assert sessions.resolve(session, replaced.token) is None


@pytest.mark.parametrize(
    ("field", "age"),
    [("expires_at", timedelta(seconds=1)), ("last_seen_at", sessions.IDLE_TIMEOUT)],
)
def test_sessions_end_when_expired_or_idle(
    session: Session, org: Organisation, field: str, age: timedelta
) -> None:
    started = sessions.start(session, builders.user(session, org))
    now = utcnow()
    setattr(started.row, field, now - age)
    session.flush()
    assert sessions.resolve(session, started.token) is None


def test_flash_messages_are_shown_once(session: Session, org: Organisation) -> None:
    row = sessions.start(session, builders.user(session, org)).row
    sessions.set_flash(session, row, "Vendor added.")
    assert sessions.take_flash(session, row) == "Vendor added."
    assert sessions.take_flash(session, row) is None


def test_users_belong_to_their_organisation(session: Session, org: Organisation) -> None:
    user = builders.user(session, org)
    assert session.get(User, user.id) is user
    assert user.organisation_id == org.id
