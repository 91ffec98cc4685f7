"""Page tests: people of an organisation signed in through the real sign-in form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.invitations.models import Invitation
from service.questionnaires.catalog import Catalog
from service.users import passwords
from service.users.models import User
from tests import builders
from tests.web.visitor import Visitor


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", builders.CHEAP_HASHER)


@pytest.fixture
def person(session: Session, org: Organisation) -> Callable[[Role], User]:
    def make(role: Role) -> User:
        made = builders.user(session, org, role, name=f"Alice Example {role}")
        session.commit()
        return made

    return make


@pytest.fixture
def visitor(app: FastAPI) -> Visitor:
    """Not signed in."""
    return Visitor.of(app)


@pytest.fixture
def signed_in(app: FastAPI, person: Callable[[Role], User]) -> Callable[[Role], Visitor]:
    def sign_in(role: Role) -> Visitor:
        user = person(role)
        visitor = Visitor.of(app)
        response = visitor.sign_in(user.email, builders.PASSWORD)
        assert response.status_code == 303, response.text
        return visitor

    return sign_in


@pytest.fixture
def buyer(signed_in: Callable[[Role], Visitor]) -> Visitor:
    """A procurement user, signed in."""
    return signed_in(Role.PROCUREMENT)


@pytest.fixture
def lead(signed_in: Callable[[Role], Visitor]) -> Visitor:
    """An account lead, signed in."""
    return signed_in(Role.ACCOUNT_LEAD)


@dataclass(frozen=True)
class World:
    """One organisation's objects, named the way the routes' path parameters are."""

    org: Organisation
    draft: Assessment
    scored: Assessment
    invitation: Invitation
    token: str
    member: User
    """A person of the organisation (an account lead), for the people pages."""

    def params(self) -> dict[str, str]:
        return {
            "vendor_id": str(self.draft.vendor_id),
            "client_id": str(self.draft.client_id),
            "assessment_id": str(self.draft.id),
            "invitation_id": str(self.invitation.id),
            "token": self.token,
            "user_id": str(self.member.id),
        }


def make_world(session: Session, catalog: Catalog, org: Organisation) -> World:
    client = builders.client(session, catalog, org, name=f"{org.name} client")
    draft = builders.assessment(
        session, catalog, org, client_row=client, answers={"framework.primary": "pytorch"}
    )
    scored = builders.assessment(
        session,
        catalog,
        org,
        client_row=client,
        answers=builders.example("openweave.answers"),
        submitted=True,
    )
    created = builders.invitation(session, draft)
    member = builders.user(session, org, Role.ACCOUNT_LEAD)
    session.commit()
    return World(org, draft, scored, created.invitation, created.token, member)


@pytest.fixture
def world(session: Session, catalog: Catalog, org: Organisation) -> World:
    """The signed-in people's organisation, with a client, vendors, a draft and a score."""
    return make_world(session, catalog, org)
