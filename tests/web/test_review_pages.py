"""The review panel without a browser: who sees which actions, refusals as messages, history."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx

from service.auth.permissions import Role
from tests.web.conftest import World
from tests.web.visitor import Visitor


def follow(visitor: Visitor, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return visitor.get(response.headers["location"]).text


def test_a_reviewer_reviews_and_the_history_says_so(
    signed_in: Callable[[Role], Visitor], buyer: Visitor, lead: Visitor, world: World
) -> None:
    reviewer = signed_in(Role.REVIEWER)
    url = f"/assessments/{world.scored.id}"
    page = reviewer.get(url).text
    assert "preview, not approved yet" in page
    assert "Start review" in page
    assert "Start review" not in lead.get(url).text
    assert "Start review" not in buyer.get(url).text
    refused = buyer.post(f"{url}/approve", {"_revision": str(world.scored.revision)})
    assert refused.status_code == 403
    assert "cannot review assessments" in refused.text

    assert "Review started" in follow(reviewer, reviewer.post(f"{url}/review/start", {}))
    asked = {"question_id": "framework.version", "message": "Which CUDA version?"}
    page = follow(reviewer, reviewer.post(f"{url}/clarifications", asked))
    assert "Which CUDA version?" in page
    assert "Waiting for a reply" in page
    page = follow(reviewer, reviewer.post(f"{url}/approve", {"conditions": "Pin it."}))
    assert "Not done: 1 clarification request is still open" in page
    assert "framework.version" in page
    thread = page.split('id="thread-', 1)[1].split('"', 1)[0]
    follow(reviewer, reviewer.post(f"{url}/clarifications/{thread}/resolve", {}))
    page = follow(reviewer, reviewer.post(f"{url}/approve", {"conditions": "Pin it.\n\nAudit"}))
    assert "Approved: the report is published." in page
    assert "<li>Pin it.</li><li>Audit</li>" in page
    assert "Start version 2" not in lead.get(url).text
    history = lead.get(f"{url}/history").text
    for expected in ("Review started", "In review", "Approved", "Clarification", "Which CUDA"):
        assert expected in history, expected
