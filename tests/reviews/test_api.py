"""The review workflow over the API: every transition, and every refusal with its problem body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.webhooks.models import WebhookEvent
from tests.api import Caller, assert_problem, problem_errors
from tests.reviews.conftest import CUDA, A, ask, ok, submitted


def events(session: Session, org: Organisation, kind: str) -> list[dict[str, Any]]:
    query = select(WebhookEvent).where(
        WebhookEvent.organisation_id == org.id, WebhookEvent.type == kind
    )
    return [e.payload["data"] for e in session.scalars(query.order_by(WebhookEvent.created_at))]


def test_submit_locks_with_a_preview_score_and_a_reviewer_takes_it(
    procurement: Caller, reviewer: Caller, parties: dict[str, str], session: Session
) -> None:
    body = submitted(procurement, parties)
    assert body["status"] == "submitted"
    assert body["score"]["recommendation"] == "recommended"  # the agency's preview
    assert body["version"] == 1
    assert body["series_id"] == body["id"]
    started = reviewer.post(
        f"{A}/{body['id']}/review", json={"reason": "Mine"}, headers={"If-Match": '"2"'}
    )
    assert ok(started)["status"] == "in_review"
    assert started.headers["etag"] == '"3"'
    history = ok(reviewer.get(f"{A}/{body['id']}/history"))
    moves = [(h["kind"], h["old_value"], h["new_value"], h["reason"]) for h in history[-3:]]
    assert moves[0] == ("submitted", "draft", "submitted", None)
    assert moves[-1] == ("review_started", "submitted", "in_review", "Mine")
    assert history[-1]["actor"]["label"].startswith("API key")
    submitted_events = events(session, procurement.org, "assessment.submitted")
    assert submitted_events[-1]["assessment"]["status"] == "submitted"
    assert submitted_events[-1]["assessment"]["version"] == 1


def test_request_changes_reply_resubmit_and_approve_with_a_condition(
    procurement: Caller, reviewer: Caller, parties: dict[str, str], session: Session
) -> None:
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    ok(reviewer.post(f"{url}/review"))
    first = ask(reviewer, body, "framework.version")
    assert first["state"] == "open"
    assert first["question"]
    sent_back = ok(
        reviewer.post(
            f"{url}/request-changes",
            json={
                "reason": "Two answers need detail.",
                "requests": [{"question_id": "serving.stack", "message": "Which vLLM build?"}],
            },
        )
    )
    assert sent_back["status"] == "changes_requested"
    changes = events(session, procurement.org, "assessment.changes_requested")[-1]
    assert changes["transition"]["reason"] == "Two answers need detail."
    assert {r["question_id"] for r in changes["transition"]["requests"]} == {
        "framework.version",
        "serving.stack",
    }
    threads = {t["question_id"]: t for t in ok(reviewer.get(f"{url}/clarifications"))}
    # a reply with a changed answer (the draft is editable again) answers the first thread
    replied = ok(
        procurement.post(
            f"{url}/clarifications/{threads['framework.version']['id']}/replies",
            json={"message": "CUDA 12.4; the image pins 2.5.1.", "answer": "2.5.1"},
        )
    )
    assert replied["state"] == "answered"
    assert replied["messages"][-1]["answer_changed"] is True
    assert replied["messages"][-1]["new_answer"] == "2.5.1"
    assert ok(procurement.post(f"{url}/submit"))["status"] == "submitted"
    refused = reviewer.post(f"{url}/approve", json={"conditions": ["Pin by digest."]})
    problem = assert_problem(refused, 409, "conflict", detail_contains="serving.stack")
    assert problem_errors(problem) == {"serving.stack": "clarification still open"}
    # text-only replies work while the answers are locked
    ok(
        procurement.post(
            f"{url}/clarifications/{threads['serving.stack']['id']}/replies",
            json={"message": "vLLM 0.30 from the official image."},
        )
    )
    approved = ok(
        reviewer.post(f"{url}/approve", json={"conditions": [" Pin the image by digest. ", ""]})
    )
    assert approved["status"] == "approved"
    assert approved["conditions"] == ["Pin the image by digest."]
    assert approved["approved_by"].startswith("API key")
    states = {t["state"] for t in ok(reviewer.get(f"{url}/clarifications"))}
    assert states == {"resolved"}
    done = events(session, procurement.org, "assessment.approved")[-1]
    assert done["assessment"]["conditions"] == ["Pin the image by digest."]
    assert done["transition"]["status"] == "approved"
    assert done["report_url"].endswith(f"{body['id']}/report.pdf")


def test_reopening_an_approved_version_starts_the_next_and_keeps_the_first(
    procurement: Caller, reviewer: Caller, parties: dict[str, str], session: Session
) -> None:
    body = submitted(procurement, {**parties, "external_id": "crm-77"})
    url = f"{A}/{body['id']}"
    ok(reviewer.post(f"{url}/approve"))
    reopened = procurement.post(f"{url}/reopen", json={"reason": "New serving stack"})
    v2 = ok(reopened)
    assert reopened.headers["location"] == f"{A}/{v2['id']}"
    assert v2["id"] != body["id"]
    assert v2["version"] == 2
    assert v2["status"] == "draft"
    assert v2["series_id"] == body["id"]
    assert v2["answers"] == body["answers"]
    assert v2["external_id"] == "crm-77"
    v1 = ok(procurement.get(url))
    assert v1["status"] == "approved"
    assert v1["superseded_by_id"] == v2["id"]
    assert v1["revision"] == body["revision"] + 1  # the approval; reopening left it alone
    listed = ok(procurement.get(A, params={"external_id": "crm-77"}))["items"]
    assert [a["id"] for a in listed] == [v2["id"]]
    both = ok(procurement.get(A, params={"external_id": "crm-77", "all_versions": "true"}))
    assert {a["id"] for a in both["items"]} == {body["id"], v2["id"]}
    versions = ok(procurement.get(f"{A}/{v2['id']}/versions"))
    assert [(v["version"], v["status"], v["current"]) for v in versions] == [
        (1, "approved", False),
        (2, "draft", True),
    ]
    assert versions[0]["report_url"] == f"{url}/report.pdf"
    event = events(session, procurement.org, "assessment.reopened")[-1]
    assert event["assessment"]["version"] == 2
    assert event["previous_version"]["id"] == body["id"]
    assert event["transition"]["reason"] == "New serving stack"
    again = procurement.post(f"{url}/reopen")
    assert_problem(again, 409, "conflict", detail_contains="already reopened as version 2")


def test_a_submitted_assessment_reopens_to_draft_in_place(
    procurement: Caller, parties: dict[str, str]
) -> None:
    body = submitted(procurement, parties)
    back = ok(procurement.post(f"{A}/{body['id']}/reopen", json={"reason": "Typo"}))
    assert back["id"] == body["id"]
    assert back["status"] == "draft"
    assert back["version"] == 1


def test_wrong_states_are_409_with_the_state_named(
    procurement: Caller, reviewer: Caller, parties: dict[str, str]
) -> None:
    draft = ok(procurement.post(A, json=parties), 201)
    url = f"{A}/{draft['id']}"
    for action in ("review", "request-changes", "approve"):
        assert_problem(
            reviewer.post(f"{url}/{action}"), 409, "conflict", detail_contains="is draft"
        )
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    answered = procurement.patch(f"{url}/answers", json={"answers": {"framework.version": "2"}})
    assert_problem(answered, 409, "conflict", detail_contains="answers are locked")
    assert_problem(
        procurement.post(f"{url}/submit"), 409, "conflict", detail_contains="is submitted"
    )
    ok(reviewer.post(f"{url}/review"))
    assert_problem(reviewer.post(f"{url}/review"), 409, "conflict", detail_contains="is in review")
    ok(reviewer.post(f"{url}/approve"))
    for action in ("review", "request-changes", "approve"):
        assert_problem(
            reviewer.post(f"{url}/{action}"), 409, "conflict", detail_contains="is approved"
        )
    late = reviewer.post(
        f"{url}/clarifications", json={"question_id": "framework.version", "message": "?"}
    )
    assert_problem(late, 409, "conflict", detail_contains="Reopen it to start the next version")


def test_wrong_roles_are_403(
    procurement: Caller,
    reviewer: Caller,
    as_role: Callable[[Role], Caller],
    parties: dict[str, str],
) -> None:
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    lead = as_role(Role.ACCOUNT_LEAD)
    for caller, path, role in (
        (procurement, "approve", "procurement"),
        (procurement, "review", "procurement"),
        (procurement, "request-changes", "procurement"),
        (lead, "approve", "account_lead"),
    ):
        refused = caller.post(f"{url}/{path}")
        assert_problem(refused, 403, "forbidden", detail_contains=f"'{role}' role cannot review")
    thread = ask(reviewer, body, "framework.version")
    reply = reviewer.post(
        f"{url}/clarifications/{thread['id']}/replies", json={"message": "I answer myself"}
    )
    assert_problem(reply, 403, "forbidden", detail_contains="'reviewer' role cannot create")
    assert_problem(
        lead.post(
            f"{url}/clarifications", json={"question_id": "framework.version", "message": "?"}
        ),
        403,
        "forbidden",
    )
    assert ok(lead.get(f"{url}/clarifications"))[0]["state"] == "open"  # account leads read


def test_approving_your_own_answers_is_403(
    admin: Caller, reviewer: Caller, parties: dict[str, str]
) -> None:
    body = submitted(admin, parties)
    refused = admin.post(f"{A}/{body['id']}/approve")
    assert_problem(refused, 403, "forbidden", detail_contains="You wrote some of these answers")
    assert ok(reviewer.post(f"{A}/{body['id']}/approve"))["status"] == "approved"


def test_clarification_refusals_name_the_field(
    procurement: Caller, reviewer: Caller, parties: dict[str, str]
) -> None:
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    unknown = reviewer.post(
        f"{url}/clarifications", json={"question_id": "framework.nope", "message": "?"}
    )
    problem = assert_problem(unknown, 422, "invalid-input", detail_contains="framework.nope")
    assert problem_errors(problem) == {"body.question_id": "no such question"}
    empty = reviewer.post(
        f"{url}/clarifications", json={"question_id": "framework.version", "message": "  "}
    )
    assert problem_errors(assert_problem(empty, 422, "invalid-input")) == {
        "body.message": "required"
    }
    nothing = reviewer.post(f"{url}/request-changes", json={"reason": "Just because"})
    problem = assert_problem(nothing, 422, "invalid-input", detail_contains="at least one question")
    assert problem_errors(problem) == {"body.requests": "no open clarification request"}
    thread = ask(reviewer, body, "framework.version")
    locked = procurement.post(
        f"{url}/clarifications/{thread['id']}/replies", json={"answer": "2.6.0"}
    )
    assert_problem(locked, 409, "conflict", detail_contains="answers are locked")
    resolved = ok(reviewer.post(f"{url}/clarifications/{thread['id']}/resolve"))
    assert resolved["state"] == "resolved"
    assert resolved["resolved_by"]
    late = procurement.post(f"{url}/clarifications/{thread['id']}/replies", json={"message": "x"})
    assert_problem(late, 409, "conflict", detail_contains="is resolved")
    follow_up = ask(reviewer, body, "framework.version", "And the driver?")
    assert follow_up["id"] == thread["id"]
    assert follow_up["state"] == "open"
    assert [m["kind"] for m in follow_up["messages"]] == ["request", "resolution", "request"]
    missing = reviewer.post(f"{url}/clarifications/{body['id']}/resolve")
    assert_problem(missing, 404, "not-found", detail_contains="no clarification")


def test_a_changed_answer_answers_its_request_at_resubmission(
    procurement: Caller, reviewer: Caller, parties: dict[str, str]
) -> None:
    body = submitted(procurement, parties)
    url = f"{A}/{body['id']}"
    ok(
        reviewer.post(
            f"{url}/request-changes",
            json={"requests": [{"question_id": "framework.version", "message": CUDA}]},
        )
    )
    ok(procurement.patch(f"{url}/answers", json={"answers": {"framework.version": "2.6.0"}}))
    ok(procurement.post(f"{url}/submit"))
    (thread,) = ok(reviewer.get(f"{url}/clarifications"))
    assert thread["state"] == "answered"
    assert thread["messages"][-1]["old_answer"] == body["answers"]["framework.version"]
    assert thread["messages"][-1]["new_answer"] == "2.6.0"
    assert ok(reviewer.post(f"{url}/approve"))["status"] == "approved"
