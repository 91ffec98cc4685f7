"""An organisation's people, managed by its admins: invite, change roles, deactivate.

An invited user has no password until they choose one through their one-time link. Admins
cannot deactivate themselves or take away their own admin role, so an organisation always
keeps someone who can manage it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.auth.principal import Principal
from service.db import utcnow
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.mail import notifications
from service.users import service as users_service
from service.users.models import PasswordTokenPurpose, User, WebSession
from service.users.password_links import issue

NO_PASSWORD = "!invited"  # noqa: S105 - not a hash: no password verifies against it


def list_people(session: Session, organisation_id: uuid.UUID) -> Sequence[User]:
    query = select(User).where(User.organisation_id == organisation_id)
    return session.scalars(query.order_by(User.deactivated_at.is_not(None), User.name)).all()


def get_person(session: Session, organisation_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != organisation_id:
        raise NotFound(f"There is no person {user_id} in your organisation.")
    return user


def invite(
    session: Session,
    organisation: Organisation,
    inviter: Principal,
    *,
    email: str,
    name: str,
    role: Role,
    link_base: str,
) -> User:
    """A user without a password, and the e-mail with their link to choose one."""
    email = users_service.normalise_email(email)
    _check(email, name, role)
    if users_service.find_by_email(session, email) is not None:
        raise Conflict(
            f"There is already a user with the e-mail address {email}.",
            errors=[{"field": "email", "message": "already has an account"}],
        )
    user = User(
        organisation_id=organisation.id,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=NO_PASSWORD,
    )
    session.add(user)
    session.flush()
    send_invitation(session, organisation, inviter, user, link_base)
    return user


def send_invitation(
    session: Session, organisation: Organisation, inviter: Principal, user: User, link_base: str
) -> None:
    """(Again): a new link, which ends the earlier ones."""
    issued = issue(session, user, PasswordTokenPurpose.INVITATION)
    notifications.user_invited(
        session, user, organisation, inviter.label, link_base + issued.token, issued.row.expires_at
    )


def _check(email: str, name: str, role: Role) -> None:
    problems = []
    if not users_service.looks_like_email(email):
        problems.append({"field": "email", "message": "enter an e-mail address"})
    if not name.strip() or len(name) > 200:
        problems.append({"field": "name", "message": "enter their name, up to 200 characters"})
    if role not in users_service.WEB_ROLES:
        problems.append({"field": "role", "message": "choose a role"})
    if problems:
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise InvalidInput(f"The person cannot be invited: {detail}.", errors=problems)


def change_role(session: Session, actor: Principal, user: User, role: Role) -> None:
    if role not in users_service.WEB_ROLES:
        raise InvalidInput(
            f"People can be {', '.join(users_service.WEB_ROLES)}; not {role}.",
            errors=[{"field": "role", "message": "choose a role"}],
        )
    if user.id == actor.actor_id and role is not Role.ADMIN:
        raise Forbidden(
            "You cannot take away your own admin role: ask another admin to do it, so the "
            "organisation keeps someone who can manage people."
        )
    user.role = role
    session.flush()


def deactivate(session: Session, actor: Principal, user: User) -> None:
    """They can no longer sign in; their sessions end now; their history stays."""
    if user.id == actor.actor_id:
        raise Forbidden("You cannot deactivate yourself: ask another admin to do it.")
    if user.deactivated_at is None:
        user.deactivated_at = utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.flush()


def reactivate(session: Session, user: User) -> None:
    user.deactivated_at = None
    session.flush()
