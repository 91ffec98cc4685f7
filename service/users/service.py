"""Users: creation, sign-in with a throttle on failures, and the principal a user acts as."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.auth.principal import ActorType, Principal
from service.db import utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.ratelimits import service as ratelimits
from service.ratelimits.service import Limit, Verdict
from service.users import passwords
from service.users.models import User

WEB_ROLES = (Role.ADMIN, Role.PROCUREMENT, Role.ACCOUNT_LEAD)
"""Roles a person can have; `integration` is for API keys only."""

_SCOPES = ("for this e-mail address", "from your network")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


FAILURES_PER_EMAIL = Limit("sign-in-email", 5, timedelta(minutes=15))
FAILURES_PER_IP = Limit("sign-in-ip", 30, timedelta(minutes=15))


@dataclass(frozen=True)
class SignInThrottle:
    """Failed sign-ins allowed per e-mail address and per IP address in a sliding window."""

    per_email: Limit = FAILURES_PER_EMAIL
    per_ip: Limit = FAILURES_PER_IP


@dataclass(frozen=True)
class SignInRefused:
    """Why a sign-in failed. A result, not an exception: the failure it counted must commit."""

    message: str
    status: int
    retry_after: int | None = None


def looks_like_email(email: str) -> bool:
    return bool(_EMAIL.match(email)) and len(email) <= 320


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    organisation: Organisation,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
) -> User:
    email = normalise_email(email)
    _check_new_user(email, name, role, password)
    if find_by_email(session, email) is not None:
        raise Conflict(
            f"There is already a user with the e-mail address {email}.",
            errors=[{"field": "email", "message": "already in use"}],
        )
    user = User(
        organisation_id=organisation.id,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def _check_new_user(email: str, name: str, role: Role, password: str) -> None:
    problems = []
    if not _EMAIL.match(email) or len(email) > 320:
        problems.append({"field": "email", "message": f"'{email}' is not an e-mail address"})
    if not name.strip() or len(name) > 200:
        problems.append({"field": "name", "message": "must be 1 to 200 characters"})
    if role not in WEB_ROLES:
        allowed = ", ".join(WEB_ROLES)
        problems.append({"field": "role", "message": f"people can be {allowed}; not {role}"})
    if (weakness := passwords.weakness(password)) is not None:
        problems.append({"field": "password", "message": weakness})
    if problems:
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise InvalidInput(f"The user cannot be created: {detail}.", errors=problems)


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def sign_in(
    session: Session, throttle: SignInThrottle, email: str, password: str, ip: str
) -> User | SignInRefused:
    """The user whose credentials these are, or why not.

    Each failure is counted per e-mail address and per IP address; once either limit is reached,
    no password is checked until the window moves on.
    """
    email = normalise_email(email)
    limits = [(throttle.per_email, email), (throttle.per_ip, ip)]
    ratelimits.serialise(session, limits)  # held until commit, after the failure is counted
    now = utcnow()
    for (limit, key), scope in zip(limits, _SCOPES, strict=True):
        verdict = ratelimits.check(session, limit, key, now)
        if not verdict.allowed:
            return _throttled(verdict, scope, now)
    user = find_by_email(session, email)
    if user is None:
        passwords.burn_time(password)
    elif passwords.verify_password(user.password_hash, password):
        if user.deactivated_at is not None:
            return SignInRefused(
                "This account is deactivated. Ask an administrator of your organisation to "
                "reactivate it.",
                403,
            )
        _signed_in(session, throttle, user, password)
        return user
    for limit, key in limits:
        ratelimits.record(session, limit, key, now)
    return SignInRefused(
        "That e-mail address and password do not match. Check both and try again.", 401
    )


def _throttled(verdict: Verdict, scope: str, now: datetime) -> SignInRefused:
    seconds = verdict.retry_after_seconds(now)
    minutes = max(1, -(-seconds // 60))
    assert verdict.retry_at is not None
    at = verdict.retry_at.strftime("%H:%M UTC")
    return SignInRefused(
        f"Too many failed sign-ins {scope}. For your security, try again in {minutes} "
        f"minute{'s' if minutes > 1 else ''} (after {at}).",
        429,
        seconds,
    )


def _signed_in(session: Session, throttle: SignInThrottle, user: User, password: str) -> None:
    ratelimits.clear(session, throttle.per_email, user.email)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_sign_in_at = utcnow()
    session.flush()


def principal_for_user(user: User) -> Principal:
    """How a signed-in person acts: history shows 'Alice Example (procurement)'."""
    return Principal(
        organisation_id=user.organisation_id,
        role=user.role,
        actor_type=ActorType.USER,
        actor_id=user.id,
        label=f"{user.name} ({user.role.value.replace('_', ' ')})",
    )
