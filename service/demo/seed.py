"""Demo data for a first start: an organisation, an admin key, a client, two vendors, two
assessments, taken from the worked example the product is built around (see README)."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.schemas import AssessmentCreate
from service.auth import service as auth_service
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.clients import service as client_service
from service.clients.schemas import ClientCreate
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.users import service as users_service
from service.vendors import service as vendor_service
from service.vendors.schemas import VendorCreate

logger = logging.getLogger(__name__)

DEMO_ORGANISATION = "Demo Agency"
DEMO_USER_EMAIL = "procurement@demo-agency.example"
DEMO_USER_NAME = "Alex Morgan"


@dataclass(frozen=True)
class DemoCredentials:
    organisation: str
    admin_key: str
    user_email: str
    user_password: str

    def welcome(self) -> str:
        return (
            f"\nDemo data created in organisation '{self.organisation}': client Northwind "
            "Retail, vendors OpenWeave AI and Monolith Intelligence, one assessment of each.\n\n"
            "Web app: http://127.0.0.1:8000/sign-in (shown once; keep them)\n\n"
            f"    e-mail:    {self.user_email}\n    password:  {self.user_password}\n\n"
            f"Admin API key (shown once; keep it):\n\n    {self.admin_key}\n\n"
            f"Try:  curl -H 'Authorization: Bearer {self.admin_key}' \\\n"
            "        http://127.0.0.1:8000/api/v1/assessments\n"
            "API documentation: http://127.0.0.1:8000/docs\n"
        )


@dataclass(frozen=True)
class DemoVendor:
    vendor: VendorCreate
    answers_file: str


DEMO_VENDORS = (
    DemoVendor(
        VendorCreate(
            name="OpenWeave AI",
            website="https://openweave.example",
            description="Fine-tuned open models served with vLLM from a standard container.",
            external_id="demo-vendor-openweave",
        ),
        "openweave.answers.json",
    ),
    DemoVendor(
        VendorCreate(
            name="Monolith Intelligence",
            website="https://monolith.example",
            description="Proprietary framework and serving layer on a dedicated appliance.",
            external_id="demo-vendor-monolith",
        ),
        "monolith.answers.json",
    ),
)


def is_empty(session: Session) -> bool:
    return session.scalar(select(Organisation.id).limit(1)) is None


def seed(session: Session, catalog: Catalog, library: Library, examples: Path) -> DemoCredentials:
    """Create the demo data set in the caller's transaction."""
    organisation = auth_service.get_or_create_organisation(session, DEMO_ORGANISATION)
    created = auth_service.create_key(session, organisation, Role.ADMIN, "Demo admin key")
    principal = auth_service.principal_for_key(created.key)
    client = client_service.create_client(
        session,
        catalog,
        organisation.id,
        ClientCreate(
            name="Northwind Retail",
            description="E-commerce retailer; platform team runs EKS with a GPU node pool.",
            external_id="demo-client-northwind",
            environment=_read(examples / "northwind.environment.json"),
        ),
    )
    for demo in DEMO_VENDORS:
        vendor = vendor_service.create_vendor(session, organisation.id, demo.vendor)
        assessment = assessment_service.create_assessment(
            session,
            catalog,
            principal,
            AssessmentCreate(
                vendor_id=vendor.id,
                client_id=client.id,
                title=f"{vendor.name}: product description generation",
                answers=_read(examples / demo.answers_file),
            ),
        )
        assessment_service.submit(session, library, principal, assessment, None)
    password = secrets.token_urlsafe(12)
    user = users_service.create_user(
        session,
        organisation,
        email=DEMO_USER_EMAIL,
        name=DEMO_USER_NAME,
        role=Role.PROCUREMENT,
        password=password,
    )
    return DemoCredentials(
        organisation=organisation.name,
        admin_key=created.token,
        user_email=user.email,
        user_password=password,
    )


def _read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
