from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from tests import builders

START = {
    "product.model_types": ["llm"],
    "product.model_source": ["fine_tuned_open"],
    "framework.primary": "pytorch",
    "framework.version": "2.14.1",
}


@pytest.fixture
def draft(session: Session, catalog: Catalog, org: Organisation) -> Assessment:
    vendor = builders.vendor(session, org, name="OpenWeave AI")
    client = builders.client(session, catalog, org, name="Northwind Retail")
    made = builders.assessment(
        session, catalog, org, answers=dict(START), vendor_row=vendor, client_row=client
    )
    session.commit()
    return made


@pytest.fixture
def make_draft(session: Session, catalog: Catalog, org: Organisation) -> Callable[..., Assessment]:
    def make(**fields: Any) -> Assessment:
        made = builders.assessment(session, catalog, org, **fields)
        session.commit()
        return made

    return make
