"""An upload with an Idempotency-Key: replayed, never stored twice (the form is read before the
idempotency guard runs, so it fingerprints the parsed form)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem
from tests.evidence.files import fixture


def test_a_retried_upload_is_replayed_not_stored_twice(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(session, catalog, org)
    session.commit()
    url = f"/api/v1/assessments/{row.id}/evidence"
    sent = {
        "files": {"file": ("poetry.lock", fixture("poetry.lock"))},
        "headers": {"Idempotency-Key": "upload-1"},
    }
    first = procurement.post(url, **sent)
    again = procurement.post(url, **sent)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(procurement.get(url).json()["files"]) == 1
    other = procurement.post(
        url,
        files={"file": ("uv.lock", fixture("uv.lock"))},
        headers={"Idempotency-Key": "upload-1"},
    )
    assert_problem(other, 422, "invalid-input")
    odd = procurement.post(
        url,
        files={"file": ("x", b"\r\n")},
        data={"kind": "null"},
        headers={"Idempotency-Key": "upload-2"},
    )
    assert_problem(odd, 422, "invalid-input")
