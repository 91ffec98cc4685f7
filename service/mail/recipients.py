"""Who receives an e-mail about an assessment: the respondent, the owner, the reviewers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentHistory, HistoryKind
from service.auth.permissions import Role
from service.auth.principal import ActorType
from service.invitations.models import Invitation
from service.users.models import User


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str
    via_invitation: Invitation | None = None


REVIEWING_ROLES = frozenset({Role.PROCUREMENT, *(r for r in Role if r.value == "reviewer")})
"""Told when answers are submitted: procurement users, and reviewers once that role exists."""


def current_invitation(session: Session, assessment_id: uuid.UUID) -> Invitation | None:
    """The newest link that was neither revoked nor replaced (it may have been used)."""
    query = (
        select(Invitation)
        .where(
            Invitation.assessment_id == assessment_id,
            Invitation.revoked_at.is_(None),
            Invitation.superseded_at.is_(None),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id)
        .limit(1)
    )
    return session.scalar(query)


def owner(session: Session, assessment: Assessment) -> User | None:
    """The person who started the assessment, if a person did (not an API key)."""
    query = select(AssessmentHistory.actor_id).where(
        AssessmentHistory.assessment_id == assessment.id,
        AssessmentHistory.kind == HistoryKind.CREATED,
        AssessmentHistory.actor_type == ActorType.USER,
    )
    user_id = session.scalar(query.limit(1))
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.deactivated_at is None else None


def respondent(session: Session, assessment: Assessment) -> Recipient | None:
    """Who answers: the invited vendor contact, or else the assessment's creator."""
    invitation = current_invitation(session, assessment.id)
    if invitation is not None:
        return Recipient(invitation.contact_name, invitation.contact_email, invitation)
    user = owner(session, assessment)
    return Recipient(user.name, user.email) if user else None


def reviewers(session: Session, organisation_id: uuid.UUID) -> list[User]:
    query = (
        select(User)
        .where(
            User.organisation_id == organisation_id,
            User.role.in_(REVIEWING_ROLES),
            User.deactivated_at.is_(None),
        )
        .order_by(User.email)
    )
    return list(session.scalars(query))
