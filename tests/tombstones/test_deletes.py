"""Soft deletes of vendors, clients and assessments: tombstones in sync, dependants, restore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.db import utcnow
from service.questionnaires.catalog import Catalog
from service.vendors.models import Vendor
from tests import builders
from tests.api import Caller, assert_problem, problem_errors


def _event_types(caller: Caller, subject: str, object_id: str) -> list[str]:
    items = caller.get("/api/v1/events", params={"limit": 200}).json()["items"]
    return [
        e["type"]
        for e in items
        if e["type"].startswith(subject + ".") and e["payload"]["data"][subject]["id"] == object_id
    ]


def _listed(caller: Caller, path: str, **params: Any) -> dict[str, dict[str, Any]]:
    page = caller.get(path, params={"limit": 200, **params})
    assert page.status_code == 200, page.text
    return {item["id"]: item for item in page.json()["items"]}


def test_a_deleted_vendor_is_a_tombstone_that_sync_returns(
    procurement: Caller, admin: Caller
) -> None:
    made = procurement.put("/api/v1/vendors/by-external-id/crm-7", json={"name": "Gone AI"})
    vendor_id = made.json()["id"]
    before = made.json()["updated_at"]
    deleted = procurement.delete(f"/api/v1/vendors/{vendor_id}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted"] is True
    assert deleted.json()["deleted_at"]
    assert vendor_id not in _listed(procurement, "/api/v1/vendors")
    tombstone = _listed(procurement, "/api/v1/vendors", include_deleted="true")[vendor_id]
    assert tombstone["deleted"] is True
    assert _listed(procurement, "/api/v1/vendors", updated_since=before)[vendor_id]["deleted"]
    gone = procurement.get(f"/api/v1/vendors/{vendor_id}")
    assert_problem(gone, 404, "not-found", detail_contains="was deleted on")
    assert "restore" in gone.json()["detail"]
    by_crm_id = procurement.get("/api/v1/vendors/by-external-id/crm-7")
    assert_problem(by_crm_id, 404, "not-found", detail_contains="was deleted")
    assert procurement.delete(f"/api/v1/vendors/{vendor_id}").status_code == 200  # idempotent
    assert _event_types(admin, "vendor", vendor_id) == ["vendor.created", "vendor.deleted"]


def test_an_upsert_does_not_bring_a_deleted_vendor_back(procurement: Caller) -> None:
    vendor_id = procurement.put("/api/v1/vendors/by-external-id/crm-8", json={"name": "A"}).json()[
        "id"
    ]
    procurement.delete(f"/api/v1/vendors/{vendor_id}")
    again = procurement.put("/api/v1/vendors/by-external-id/crm-8", json={"name": "B"})
    body = assert_problem(again, 409, "conflict", detail_contains="Restore it first")
    assert problem_errors(body, "field") == {"path.external_id": "belongs to a deleted vendor"}
    restored = procurement.post(f"/api/v1/vendors/{vendor_id}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted"] is False
    again = procurement.put("/api/v1/vendors/by-external-id/crm-8", json={"name": "B"})
    assert again.status_code == 200
    assert again.json()["name"] == "B"


def test_a_vendor_with_assessments_is_refused_naming_them(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    session.commit()
    refused = procurement.delete(f"/api/v1/vendors/{draft.vendor_id}")
    body = assert_problem(refused, 409, "conflict", detail_contains="cascade=assessments")
    assert str(draft.id) in body["detail"]
    assert draft.title in body["detail"]
    assert body["errors"][0]["field"] == "query.cascade"
    assert str(draft.id) in body["errors"][0]["message"]
    assert procurement.get(f"/api/v1/vendors/{draft.vendor_id}").status_code == 200
    wrong = procurement.delete(f"/api/v1/vendors/{draft.vendor_id}", params={"cascade": "all"})
    assert problem_errors(assert_problem(wrong, 422, "invalid-input"), "field")["cascade"]


def test_a_cascade_deletes_and_restores_the_assessments_with_their_vendor(
    procurement: Caller, admin: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    vendor = builders.vendor(session, org)
    first = builders.assessment(session, catalog, org, vendor_row=vendor)
    earlier = builders.assessment(session, catalog, org, vendor_row=vendor)
    session.commit()
    assert procurement.delete(f"/api/v1/assessments/{earlier.id}").status_code == 200
    deleted = procurement.delete(f"/api/v1/vendors/{vendor.id}", params={"cascade": "assessments"})
    assert deleted.status_code == 200, deleted.text
    assert_problem(procurement.get(f"/api/v1/assessments/{first.id}"), 404, "not-found")
    listed = _listed(procurement, "/api/v1/assessments", include_deleted="true")
    assert listed[str(first.id)]["deleted"]
    assert listed[str(earlier.id)]["deleted"]
    restore_first = procurement.post(f"/api/v1/assessments/{first.id}/restore")
    assert_problem(restore_first, 409, "conflict", detail_contains=f"vendor {vendor.id}")
    assert procurement.post(f"/api/v1/vendors/{vendor.id}/restore").status_code == 200
    assert procurement.get(f"/api/v1/assessments/{first.id}").status_code == 200
    # deleted on its own before the cascade: stays deleted, restorable by itself
    assert_problem(procurement.get(f"/api/v1/assessments/{earlier.id}"), 404, "not-found")
    assert _event_types(admin, "assessment", str(first.id)) == [
        "assessment.created",
        "assessment.deleted",
        "assessment.restored",
    ]
    history = procurement.get(f"/api/v1/assessments/{first.id}/history").json()
    assert [h["kind"] for h in history][-2:] == ["deleted", "restored"]


def test_a_client_is_deleted_and_restored_like_a_vendor(
    procurement: Caller, admin: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    draft = builders.assessment(session, catalog, org)
    session.commit()
    refused = procurement.delete(f"/api/v1/clients/{draft.client_id}")
    assert_problem(refused, 409, "conflict", detail_contains=str(draft.id))
    done = procurement.delete(
        f"/api/v1/clients/{draft.client_id}", params={"cascade": "assessments"}
    )
    assert done.status_code == 200
    assert done.json()["deleted"] is True
    assert str(draft.client_id) in _listed(procurement, "/api/v1/clients", include_deleted="1")
    assert str(draft.client_id) not in _listed(procurement, "/api/v1/clients")
    new = procurement.post(
        "/api/v1/assessments",
        json={"vendor_id": str(draft.vendor_id), "client_id": str(draft.client_id)},
    )
    body = assert_problem(new, 422, "invalid-input", detail_contains="deleted")
    assert problem_errors(body, "field") == {"body.client_id": "the client is deleted"}
    assert procurement.post(f"/api/v1/clients/{draft.client_id}/restore").status_code == 200
    assert procurement.get(f"/api/v1/assessments/{draft.id}").status_code == 200
    assert _event_types(admin, "client", str(draft.client_id)) == [
        "client.created",
        "client.deleted",
        "client.updated",
    ]


def test_restore_is_refused_when_not_deleted_or_after_30_days(
    procurement: Caller, session: Session, org: Organisation
) -> None:
    vendor = builders.vendor(session, org)
    session.commit()
    live = procurement.post(f"/api/v1/vendors/{vendor.id}/restore")
    assert_problem(live, 409, "conflict", detail_contains="not deleted")
    procurement.delete(f"/api/v1/vendors/{vendor.id}")
    session.execute(
        update(Vendor)
        .where(Vendor.id == vendor.id)
        .values(deleted_at=utcnow() - timedelta(days=31))
    )
    session.commit()
    late = procurement.post(f"/api/v1/vendors/{vendor.id}/restore")
    assert_problem(late, 410, "gone", detail_contains="more than 30 days ago")


def test_an_assessment_delete_honours_if_match_and_roles(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation, as_role: Any
) -> None:
    from service.auth.permissions import Role  # noqa: PLC0415

    draft = builders.assessment(session, catalog, org)
    session.commit()
    reader = as_role(Role.ACCOUNT_LEAD)
    assert_problem(reader.delete(f"/api/v1/assessments/{draft.id}"), 403, "forbidden")
    stale = procurement.delete(f"/api/v1/assessments/{draft.id}", headers={"If-Match": '"9"'})
    assert_problem(stale, 412, "precondition-failed", detail_contains="revision 1")
    bad = procurement.delete(f"/api/v1/assessments/{draft.id}", headers={"If-Match": "seven"})
    assert_problem(bad, 400, "bad-request")
    done = procurement.delete(f"/api/v1/assessments/{draft.id}", headers={"If-Match": '"1"'})
    assert done.status_code == 200
    assert done.json()["deleted"] is True
    assert_problem(procurement.get(f"/api/v1/assessments/{draft.id}/score"), 404, "not-found")


def test_another_organisations_records_cannot_be_deleted_or_restored(
    procurement: Caller, session: Session
) -> None:
    theirs = builders.vendor(session, builders.organisation(session))
    session.commit()
    for response in (
        procurement.delete(f"/api/v1/vendors/{theirs.id}"),
        procurement.post(f"/api/v1/vendors/{theirs.id}/restore"),
    ):
        body = assert_problem(response, 404, "not-found")
        assert "deleted" not in body["detail"]
