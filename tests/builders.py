"""Small typed builders for test data. Each returns the row it made, flushed."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, profiles
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.assessments.schemas import AssessmentCreate
from service.auth import service as auth_service
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.auth.principal import Principal
from service.catalog import service as catalog_service
from service.clients import service as client_service
from service.clients.models import Client
from service.clients.schemas import ClientCreate
from service.invitations import service as invitation_service
from service.invitations.service import CreatedInvitation
from service.questionnaires.catalog import Catalog, load_catalog
from service.scoring.library import Library, load_library
from service.users import service as users_service
from service.users.models import User
from service.vendors import service as vendor_service
from service.vendors.models import Vendor
from service.vendors.schemas import VendorCreate
from service.webhooks import signing
from service.webhooks.events import EventType
from service.webhooks.models import EndpointState, WebhookEndpoint
from tests.repository import REPO_ROOT

EXAMPLES = REPO_ROOT / "questionnaires" / "examples"
PASSWORD = "correct horse battery staple"
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
"""Swapped in for argon2's real cost (64 MiB, 3 passes) in tests that create many users."""
_counter = itertools.count(1)


def example(name: str) -> dict[str, Any]:
    """An example answer file from questionnaires/examples, e.g. 'openweave.answers'."""
    data: dict[str, Any] = json.loads(Path(EXAMPLES / f"{name}.json").read_text())
    return data


def organisation(session: Session, name: str | None = None) -> Organisation:
    return auth_service.get_or_create_organisation(session, name or f"Agency {next(_counter)}")


def api_key(session: Session, org: Organisation, role: Role = Role.ADMIN) -> str:
    return auth_service.create_key(session, org, role, f"{role} test key").token


def principal(session: Session, org: Organisation, role: Role = Role.ADMIN) -> Principal:
    created = auth_service.create_key(session, org, role, f"{role} test key")
    return auth_service.principal_for_key(created.key)


def vendor(session: Session, org: Organisation, **fields: Any) -> Vendor:
    data = VendorCreate.model_validate({"name": f"Vendor {next(_counter)}", **fields})
    return vendor_service.create_vendor(session, org.id, data)


def client(
    session: Session,
    catalog: Catalog,
    org: Organisation,
    environment: dict[str, Any] | None = None,
    **fields: Any,
) -> Client:
    data = ClientCreate.model_validate(
        {
            "name": f"Client {next(_counter)}",
            "environment": example("northwind.environment") if environment is None else environment,
            **fields,
        }
    )
    return client_service.create_client(session, catalog, org.id, data)


def assessment(
    session: Session,
    catalog: Catalog,
    org: Organisation,
    *,
    answers: dict[str, Any] | None = None,
    submitted: bool = False,
    vendor_row: Vendor | None = None,
    client_row: Client | None = None,
    library: Library | None = None,
    version: str | None = None,
    **fields: Any,
) -> Assessment:
    """A draft (or, `submitted`, a scored assessment) on the latest questionnaire, or `version`."""
    actor = principal(session, org, Role.PROCUREMENT)
    data = AssessmentCreate.model_validate(
        {
            "vendor_id": (vendor_row or vendor(session, org)).id,
            "client_id": (client_row or client(session, catalog, org)).id,
            "answers": {} if version else answers or {},
            **fields,
        }
    )
    created = assessment_service.create_assessment(session, catalog, actor, data)
    if version:
        _pin(session, catalog, created, version)
        assessment_service.update_answers(session, actor, created, answers or {}, None)
    if submitted:
        assessment_service.submit(session, library or _shipped_library(), actor, created, None)
    return created


def _pin(session: Session, catalog: Catalog, row: Assessment, version: str) -> None:
    """Re-pin a new draft to an older questionnaire version, as drafts made before 2.0 were."""
    definition = catalog.get(row.questionnaire.slug, version)
    assert definition is not None, f"no {row.questionnaire.slug}@{version} in the catalog"
    row.questionnaire = catalog_service.publish(session, definition)
    session.flush()


@cache
def _shipped_library() -> Library:
    root = REPO_ROOT / "questionnaires"
    return load_library(root, load_catalog(root))


def user(
    session: Session,
    org: Organisation,
    role: Role = Role.PROCUREMENT,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    number = next(_counter)
    return users_service.create_user(
        session,
        org,
        email=email or f"person{number}@agency.example",
        name=name or f"Person {number}",
        role=role,
        password=password,
    )


def invitation(
    session: Session,
    draft: Assessment,
    *,
    contact_name: str = "Jane Doe",
    contact_email: str = "jane@vendor.example",
    valid_days: int = 14,
) -> CreatedInvitation:
    actor = principal(session, _organisation_of(session, draft), Role.PROCUREMENT)
    return invitation_service.create_invitation(
        session,
        actor,
        draft,
        contact_name=contact_name,
        contact_email=contact_email,
        valid_days=valid_days,
    )


def _organisation_of(session: Session, row: Assessment) -> Organisation:
    found = session.get(Organisation, row.organisation_id)
    assert found is not None
    return found


def webhook(
    session: Session,
    org: Organisation,
    url: str = "http://127.0.0.1:9/hook",
    events: list[str] | None = None,
) -> WebhookEndpoint:
    """A webhook endpoint written directly (registration's address checks are tested apart)."""
    endpoint = WebhookEndpoint(
        organisation_id=org.id,
        url=url,
        events=events or [e.value for e in EventType],
        enabled=True,
        state=EndpointState.HEALTHY,
        consecutive_failures=0,
        secret=signing.new_secret(),
    )
    session.add(endpoint)
    session.flush()
    return endpoint
