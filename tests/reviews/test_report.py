"""The published report: conditions and resolved clarifications in it, pinned at approval."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from service.auth.permissions import Role
from service.reporting import pool
from tests.api import Caller
from tests.reporting.conftest import pdf_text
from tests.reviews.conftest import A, ask, ok, submitted


def test_the_approved_report_shows_conditions_and_clarifications_and_never_changes(
    procurement: Caller,
    as_role: Callable[[Role], Caller],
    parties: dict[str, str],
    session: Session,
    render_pool: pool.RenderPool,
) -> None:
    reviewer = as_role(Role.REVIEWER)
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    thread = ask(reviewer, body, "framework.version", "Which CUDA version does the image need?")
    ok(
        procurement.post(
            f"{url}/clarifications/{thread['id']}/replies", json={"message": "CUDA 12.4."}
        )
    )
    preview = procurement.get(f"{url}/report.pdf")
    assert preview.status_code == 200
    assert "Approved by" not in pdf_text(preview.content)
    ok(reviewer.post(f"{url}/approve", json={"conditions": ["Pin the image by digest."]}))
    first = procurement.get(f"{url}/report.pdf")
    text = pdf_text(first.content)
    assert "Approved by API key" in text
    assert "Pin the image by digest." in text
    assert "Which CUDA version does the image need?" in text
    assert "CUDA 12.4." in text
    # The vendor is renamed and the approved version reopened: v1's report stays as it was.
    vendor_url = f"/api/v1/vendors/{parties['vendor_id']}"
    ok(procurement.patch(vendor_url, json={"name": "OpenWeave Labs"}))
    v2 = ok(procurement.post(f"{url}/reopen"))
    later = procurement.get(f"{url}/report.pdf")
    assert later.content == first.content
    assert later.headers["etag"] == first.headers["etag"]
    assert v2["vendor"]["name"] == "OpenWeave Labs"
    draft = procurement.get(f"{A}/{v2['id']}/report.pdf")
    assert draft.status_code == 409
