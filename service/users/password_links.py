"""One-time links to choose a password: for an invited user's first one, or to reset one.

The token is random (256 bits) and only its SHA-256 is stored; a link works once, until it
expires, and issuing a new link for a user ends their earlier ones. Asking for a reset says
the same thing whether or not the address has an account (no enumeration); requests are rate
limited per e-mail address and per IP address (service.ratelimits), counted either way.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.tokens import hash_token
from service.db import utcnow
from service.errors import Gone, InvalidInput, NotFound
from service.mail import notifications
from service.ratelimits import service as ratelimits
from service.ratelimits.service import Limit, Verdict
from service.users import passwords
from service.users import service as users_service
from service.users.models import PasswordToken, PasswordTokenPurpose, User

TOKEN_PREFIX = "svp_"  # noqa: S105 - a public marker, not a secret
LIFETIMES = {
    PasswordTokenPurpose.RESET: timedelta(hours=1),
    PasswordTokenPurpose.INVITATION: timedelta(days=7),
}
RESETS_PER_EMAIL = Limit("password-reset-email", 3, timedelta(hours=1))
RESETS_PER_IP = Limit("password-reset-ip", 20, timedelta(hours=1))


@dataclass(frozen=True)
class ResetThrottle:
    per_email: Limit = RESETS_PER_EMAIL
    per_ip: Limit = RESETS_PER_IP


@dataclass(frozen=True)
class Issued:
    row: PasswordToken
    token: str
    """For the link; never stored."""


def issue(
    session: Session, user: User, purpose: PasswordTokenPurpose, now: datetime | None = None
) -> Issued:
    """A new link for `user`; their earlier unused links stop working."""
    now = now or utcnow()
    for earlier in session.scalars(
        select(PasswordToken).where(
            PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None)
        )
    ):
        earlier.used_at = now
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = PasswordToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    session.add(row)
    session.flush()
    return Issued(row=row, token=token)


def request_reset(
    session: Session, throttle: ResetThrottle, email: str, ip: str, link_base: str
) -> Verdict:
    """Queue a reset e-mail if `email` belongs to an active user; the verdict is the throttle's.

    The caller shows the same message whatever happened here, except when throttled."""
    email = users_service.normalise_email(email)
    verdict = ratelimits.hit(session, [(throttle.per_email, email), (throttle.per_ip, ip)])
    if not verdict.allowed:
        return verdict
    user = users_service.find_by_email(session, email)
    if user is None or user.deactivated_at is not None:
        return verdict
    issued = issue(session, user, PasswordTokenPurpose.RESET)
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None
    minutes = int(LIFETIMES[PasswordTokenPurpose.RESET].total_seconds() // 60)
    notifications.password_reset(session, user, organisation, link_base + issued.token, minutes)
    return verdict


def open_link(
    session: Session, token: str, now: datetime | None = None
) -> tuple[PasswordToken, User]:
    """The live link and its user, or NotFound / Gone saying why it does not work."""
    row = session.scalar(select(PasswordToken).where(PasswordToken.token_hash == hash_token(token)))
    if row is None:
        raise NotFound(
            "This link is not valid. Check that you copied the whole link from the e-mail, or "
            "ask for a new one from the sign-in page (Forgot your password?)."
        )
    user = session.get(User, row.user_id)
    if row.used_at is not None:
        raise Gone(
            "This link was already used, or a newer one was sent since. Use the most recent "
            "e-mail, or ask for a new link from the sign-in page."
        )
    if row.expires_at <= (now or utcnow()):
        raise Gone("This link has expired. Ask for a new one from the sign-in page.")
    if user is None or user.deactivated_at is not None:
        raise Gone("This account is deactivated. Ask an administrator of your agency.")
    return row, user


def choose_password(session: Session, token: str, password: str, confirmation: str) -> User:
    """Set the password through a live link, which is then used up."""
    row, user = open_link(session, token)
    problem = passwords.weakness(password)
    if problem is None and password != confirmation:
        problem = "the two passwords are not the same"
    if problem is not None:
        raise InvalidInput(
            f"The password cannot be set: {problem}.",
            errors=[{"field": "password", "message": problem}],
        )
    user.password_hash = passwords.hash_password(password)
    row.used_at = utcnow()
    session.flush()
    return user
