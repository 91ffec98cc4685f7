"""Clients and vendors: lists, forms with their messages, the environment profile."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.clients.models import Client
from service.vendors.models import Vendor
from service.web.conflicts import as_form_values
from tests.web.conftest import World
from tests.web.visitor import Visitor


def test_add_a_vendor_and_see_it_listed(buyer: Visitor, session: Session) -> None:
    response = buyer.post(
        "/vendors",
        {"name": " OpenWeave AI ", "website": "https://openweave.example", "external_id": ""},
    )
    assert response.status_code == 303
    vendor = session.scalars(select(Vendor).where(Vendor.name == "OpenWeave AI")).one()
    assert response.headers["location"] == f"/vendors/{vendor.id}"
    assert vendor.external_id is None
    page = buyer.get(response.headers["location"]).text
    assert "Vendor OpenWeave AI added." in page
    assert "OpenWeave AI" in buyer.get("/vendors").text


def shown_again(visitor: Visitor, response: Any, location: str) -> str:
    """A refused form redirects to its own page (post/redirect/get); that page's HTML."""
    assert response.status_code == 303, response.text[:300]
    assert response.headers["location"] == location
    page = visitor.get(location)
    assert page.status_code == 200
    text: str = page.text
    return text


def test_vendor_form_messages(buyer: Visitor, world: World) -> None:
    response = buyer.post("/vendors", {"name": "", "website": "openweave.example"})
    page = shown_again(buyer, response, "/vendors/new")
    assert "Name: is required" in page
    assert "Website: must be a web address starting with http:// or https://" in page
    assert 'value="openweave.example"' in page
    assert page == buyer.get("/vendors/new").text, "a reload shows the same, posting nothing"

    buyer.post("/vendors", {"name": "First", "external_id": "crm-1"})
    assert "Name: is required" not in buyer.get("/vendors/new").text, "gone once it worked"
    duplicate = buyer.post("/vendors", {"name": "Second", "external_id": "crm-1"})
    assert "CRM id: already in use" in shown_again(buyer, duplicate, "/vendors/new")


def test_edit_a_vendor(buyer: Visitor, world: World, session: Session) -> None:
    path = f"/vendors/{world.draft.vendor_id}"
    response = buyer.post(path, {"name": "Renamed", "website": "", "description": "Notes"})
    assert response.status_code == 303
    assert "Vendor details saved." in buyer.get(path).text
    vendor = session.get(Vendor, world.draft.vendor_id)
    assert vendor is not None
    session.refresh(vendor)
    assert (vendor.name, vendor.website, vendor.description) == ("Renamed", None, "Notes")
    refused = buyer.post(path, {"name": "  "})
    assert "Name: is required" in shown_again(buyer, refused, path + "#details-title")


def test_add_a_client_then_describe_its_environment(buyer: Visitor, session: Session) -> None:
    response = buyer.post("/clients", {"name": "Northwind Retail", "description": "EKS"})
    assert response.status_code == 303
    client = session.scalars(select(Client).where(Client.name == "Northwind Retail")).one()
    assert response.headers["location"] == f"/clients/{client.id}#environment"
    page = buyer.get(f"/clients/{client.id}").text
    assert "Client Northwind Retail added. Now describe its environment." in page
    assert "How does the client run its own services today?" in page
    assert 'id="q-kubernetes_distribution" data-question="kubernetes_distribution" hidden' in page

    saved = buyer.post(
        f"/clients/{client.id}/environment",
        {"orchestration": "kubernetes", "kubernetes_distribution": "eks", "cloud": ["aws"]},
    )
    assert saved.status_code == 303
    session.refresh(client)
    assert client.environment == {
        "orchestration": "kubernetes",
        "kubernetes_distribution": "eks",
        "cloud": ["aws"],
    }
    page = buyer.get(f"/clients/{client.id}").text
    assert "Environment saved." in page
    assert 'id="q-kubernetes_distribution" data-question="kubernetes_distribution">' in page


def test_environment_preview_says_what_shows_without_saving(
    buyer: Visitor, world: World, session: Session
) -> None:
    client = session.get(Client, world.draft.client_id)
    assert client is not None
    before = dict(client.environment)
    response = buyer.autosave(
        f"/clients/{client.id}/environment/preview",
        {"orchestration": "managed_ml_platform", "gpu_memory_gb": "-5"},
    )
    assert response.status_code == 200
    body = response.json()
    assert "ml_platform" in body["visible"]
    assert "kubernetes_distribution" not in body["visible"]
    assert body["errors"] == {
        "gpu_memory_gb": "Enter the GPU memory available in GB, a whole number from 0 to "
        "10,000, or choose “Don't know / won't say”."
    }
    session.refresh(client)
    assert client.environment == before


def test_environment_messages(buyer: Visitor, world: World) -> None:
    response = buyer.post(
        f"/clients/{world.draft.client_id}/environment", {"gpu_memory_gb": "plenty"}
    )
    page = shown_again(buyer, response, f"/clients/{world.draft.client_id}#environment")
    assert "1 answer was not saved" in page
    assert "Enter the GPU memory available in GB, a whole number from 0 to 10,000" in page
    assert 'value="plenty"' in page, "the refused value is shown back"


def test_client_form_messages(buyer: Visitor) -> None:
    response = buyer.post("/clients", {"name": "x" * 201})
    page = shown_again(buyer, response, "/clients/new")
    assert "Name: String should have at most 200 characters" in page


def test_account_leads_cannot_change_the_directory(lead: Visitor, world: World) -> None:
    assert "Add vendor" not in lead.get("/vendors").text
    assert 'action="/vendors/' not in lead.get(f"/vendors/{world.draft.vendor_id}").text
    for path, form in (
        ("/vendors", {"name": "X"}),
        ("/clients", {"name": "X"}),
        (f"/clients/{world.draft.client_id}/environment", {"orchestration": "vms"}),
    ):
        response = lead.post(path, form)
        assert response.status_code == 403, path
        assert "Your role (account lead) cannot add or change vendors and clients." in response.text
    assert lead.get("/vendors/new").status_code == 403


def test_start_an_assessment(buyer: Visitor, world: World) -> None:
    page = buyer.get(f"/assessments/new?vendor={world.draft.vendor_id}").text
    assert f'<option value="{world.draft.vendor_id}" selected>' in page
    missing = buyer.post("/assessments", {"vendor_id": "", "client_id": ""})
    page = shown_again(buyer, missing, "/assessments/new")
    assert "Vendor: choose a vendor" in page
    assert "Client: choose a client" in page
    response = buyer.post(
        "/assessments",
        {"vendor_id": str(world.draft.vendor_id), "client_id": str(world.draft.client_id)},
    )
    assert response.status_code == 303
    assert "Draft started." in buyer.get(response.headers["location"]).text


def test_environment_autosave_saves_only_what_the_page_changed(
    buyer: Visitor, world: World, session: Session
) -> None:
    """Two people on the same profile: each page's save keeps the other's answers."""
    client = session.get(Client, world.draft.client_id)
    assert client is not None
    url = f"/clients/{client.id}/environment/autosave"
    loaded = json.dumps(client.environment)
    first = {**form_of(client.environment), "_base": loaded, "cloud": ["gcp"]}
    response = buyer.autosave(url, first)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "saved"
    assert json.loads(response.json()["base"])["cloud"] == ["gcp"]
    # The second page loaded before the first save: it still shows the old cloud answer.
    second = {**form_of(client.environment), "_base": loaded, "gpu_memory_gb": "48"}
    assert buyer.autosave(url, second).status_code == 200
    session.refresh(client)
    assert client.environment["cloud"] == ["gcp"], "the first page's change is kept"
    assert client.environment["gpu_memory_gb"] == 48

    refused = buyer.autosave(url, {**second, "gpu_memory_gb": "plenty"})
    assert "1 answer was not saved" in refused.json()["message"]
    assert "gpu_memory_gb" in refused.json()["errors"]


def form_of(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as the page's form sends them."""
    return {q: as_form_values(a) for q, a in answers.items()}
