"""Evidence over the API: upload, statuses per answer, suggestions, contradictions in the score,
submitted assessments, and hostile files that never break anything else."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem, caller, problem_errors
from tests.builders import example
from tests.evidence.files import alias_bomb, binary_junk, deep_yaml, fixture

pytestmark = pytest.mark.db


@pytest.fixture
def assessment(session: Session, catalog: Catalog, org: Organisation) -> str:
    answers = example("openweave.answers")
    answers["hf.trust_remote_code"] = "unknown"
    row = builders.assessment(session, catalog, org, answers=answers)
    session.commit()
    return str(row.id)


def upload(
    who: Caller, assessment: str, name: str, content: bytes | None = None, **data: Any
) -> Any:
    body = fixture(name) if content is None else content
    return who.post(
        f"/api/v1/assessments/{assessment}/evidence", files={"file": (name, body)}, data=data
    )


def statuses(who: Caller, assessment: str) -> dict[str, dict[str, Any]]:
    response = who.get(f"/api/v1/assessments/{assessment}/evidence")
    assert response.status_code == 200, response.text
    return {a["question"]: a for a in response.json()["answers"]}


def test_upload_stores_the_file_with_hash_kind_uploader_and_facts(
    procurement: Caller, assessment: str
) -> None:
    response = upload(procurement, assessment, "requirements.txt")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "requirements"
    assert body["kind_detected"] is True
    assert body["sha256"] == hashlib.sha256(fixture("requirements.txt")).hexdigest()
    assert body["size"] == len(fixture("requirements.txt"))
    assert body["parse_error"] is None
    assert body["applies"] is True
    assert body["uploaded_by"].startswith("API key")
    assert {
        "question": "framework.version",
        "value": "2.1.2",
        "subject": "pytorch",
        "location": "line 3",
        "excerpt": "torch==2.1.2+cu121",
    } in body["facts"]
    download = procurement.get(f"/api/v1/assessments/{assessment}/evidence/{body['id']}/content")
    assert download.content == fixture("requirements.txt")


def test_old_pins_contradict_the_answers_and_name_both_values_and_where(
    procurement: Caller, assessment: str
) -> None:
    upload(procurement, assessment, "requirements.txt")
    found = statuses(procurement, assessment)
    version = found["framework.version"]
    assert version["status"] == "contradicted"
    assert (version["declared"], version["evidenced"]) == ("2.14.1", "2.1.2")
    assert version["sources"] == [
        {"file": "requirements.txt", "location": "line 3", "excerpt": "torch==2.1.2+cu121"}
    ]
    assert "The answer says 2.14.1, but requirements.txt line 3" in version["explanation"]
    assert found["serving.runtime_version"]["status"] == "contradicted"
    assert found["framework.primary"]["status"] == "evidenced"
    assert found["hardware.gpu"]["status"] == "declared"
    listing = procurement.get(f"/api/v1/assessments/{assessment}/evidence").json()
    assert listing["answers"][0]["status"] == "contradicted"  # contradictions first
    assert listing["summary"]["contradicted"] == 2
    assert listing["summary"]["evidenced"] == 3  # framework, serving stack, Transformers


def test_a_lock_file_that_agrees_evidences_the_answer(procurement: Caller, assessment: str) -> None:
    upload(procurement, assessment, "requirements.txt")
    upload(procurement, assessment, "poetry.lock")
    version = statuses(procurement, assessment)["framework.version"]
    assert version["status"] == "evidenced"
    assert version["sources"][0]["file"] == "poetry.lock"


def test_unknown_answer_gets_a_suggestion_accepted_in_one_click(
    procurement: Caller, assessment: str
) -> None:
    upload(procurement, assessment, "config.json")
    suggested = statuses(procurement, assessment)["hf.trust_remote_code"]
    assert suggested["status"] == "suggested"
    assert suggested["declared"] == "unknown"
    assert suggested["evidenced"] is True
    read = procurement.get(f"/api/v1/assessments/{assessment}").json()
    assert read["answers"]["hf.trust_remote_code"] == "unknown"  # never filled in silently

    url = f"/api/v1/assessments/{assessment}/evidence/suggestions/hf.trust_remote_code/accept"
    stale = procurement.post(url, headers={"If-Match": '"99"'})
    assert_problem(stale, 412, "precondition-failed")
    accepted = procurement.post(url, headers={"If-Match": f'"{read["revision"]}"'})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["answers"]["hf.trust_remote_code"] is True
    assert statuses(procurement, assessment)["hf.trust_remote_code"]["status"] == "evidenced"
    history = procurement.get(f"/api/v1/assessments/{assessment}/history").json()
    assert history[-1]["question_id"] == "hf.trust_remote_code"
    again = procurement.post(url)
    assert_problem(again, 409, "conflict", detail_contains="no suggested answer")


def test_contradictions_change_the_score_and_say_so(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    plain = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    caught = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    session.commit()
    upload(procurement, str(caught.id), "requirements.txt")
    for row in (plain, caught):
        response = procurement.post(f"/api/v1/assessments/{row.id}/submit")
        assert response.status_code == 200, response.text
    honest = procurement.get(f"/api/v1/assessments/{plain.id}/score").json()
    score = procurement.get(f"/api/v1/assessments/{caught.id}/score").json()
    assert honest["evidence"] is None
    assert score["technical_currency"]["score"] < honest["technical_currency"]["score"]
    assert score["provenance"]["answers"]["framework.version"] == "2.14.1"  # what was declared
    evidence = score["evidence"]
    assert evidence["files"] == [
        {
            "sha256": hashlib.sha256(fixture("requirements.txt")).hexdigest(),
            "filename": "requirements.txt",
            "kind": "requirements",
        }
    ]
    by_question = {c["question"]: c for c in evidence["contradictions"]}
    version = by_question["framework.version"]
    assert (version["declared"], version["evidenced"]) == ("2.14.1", "2.1.2")
    assert version["sources"][0]["location"] == "line 3"
    assert version["hidden_rules"], "torch 2.1.2 fires rules that 2.14.1 hid"
    assert version["severity"] in {"high", "critical"}
    hidden = set(version["hidden_rules"]) | set(
        by_question["serving.runtime_version"]["hidden_rules"]
    )
    assert hidden <= {f["rule_id"] for f in score["findings"]}
    assert evidence["contradictions"][0]["severity"] in {"high", "critical"}  # worst first


def _caught(procurement: Caller, session: Session, catalog: Catalog, org: Organisation) -> str:
    """A submitted assessment whose requirements.txt contradicts two declared versions."""
    row = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    session.commit()
    upload(procurement, str(row.id), "requirements.txt")
    response = procurement.post(f"/api/v1/assessments/{row.id}/submit")
    assert response.status_code == 200, response.text
    return str(row.id)


def test_what_if_starts_from_the_evidenced_answers_the_score_used(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    caught = _caught(procurement, session, catalog, org)
    stored = procurement.get(f"/api/v1/assessments/{caught}/score").json()
    unchanged = procurement.post(f"/api/v1/assessments/{caught}/what-if", json={"answers": {}})
    assert unchanged.status_code == 200, unchanged.text
    result = unchanged.json()
    for dimension in ("technical_currency", "integration_risk"):
        assert result[dimension]["score"] == stored[dimension]["score"]
        assert result[dimension]["band"] == stored[dimension]["band"]
    assert {f["rule_id"] for f in result["findings"]} == {f["rule_id"] for f in stored["findings"]}
    assert result["improvement_paths"] == stored["improvement_paths"]
    assert result["evidence"] == stored["evidence"]
    assert result["provenance"]["answers"]["framework.version"] == "2.14.1"  # as declared


def test_a_what_if_change_of_an_evidenced_answer_replaces_the_evidenced_value(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    caught = _caught(procurement, session, catalog, org)
    stored = procurement.get(f"/api/v1/assessments/{caught}/score").json()
    upgraded = procurement.post(
        f"/api/v1/assessments/{caught}/what-if", json={"answers": {"framework.version": "2.14.1"}}
    ).json()
    contradicted = {c["question"] for c in upgraded["evidence"]["contradictions"]}
    assert contradicted == {"serving.runtime_version"}  # the one the change did not name
    assert upgraded["provenance"]["answers"]["framework.version"] == "2.14.1"
    assert upgraded["technical_currency"]["score"] > stored["technical_currency"]["score"]


def test_a_submitted_assessment_only_takes_notes(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(
        session, catalog, org, answers=example("openweave.answers"), submitted=True
    )
    session.commit()
    before = procurement.get(f"/api/v1/assessments/{row.id}").json()
    response = upload(procurement, str(row.id), "requirements.txt")
    assert response.status_code == 201
    assert response.json()["applies"] is False
    listing = procurement.get(f"/api/v1/assessments/{row.id}/evidence").json()
    assert "submitted" in listing["note"]
    assert "1 file(s) arrived after submission" in listing["note"]
    after = procurement.get(f"/api/v1/assessments/{row.id}").json()
    assert after["answers"] == before["answers"]
    assert after["revision"] == before["revision"]
    assert procurement.get(f"/api/v1/assessments/{row.id}/score").json()["evidence"] is None
    deleted = procurement.delete(f"/api/v1/assessments/{row.id}/evidence/{response.json()['id']}")
    assert_problem(deleted, 409, "conflict", detail_contains="Reopen the assessment first")


def test_delete_from_a_draft(procurement: Caller, assessment: str) -> None:
    file_id = upload(procurement, assessment, "requirements.txt").json()["id"]
    assert (
        procurement.delete(f"/api/v1/assessments/{assessment}/evidence/{file_id}").status_code
        == 204
    )
    assert procurement.get(f"/api/v1/assessments/{assessment}/evidence").json()["files"] == []
    missing = procurement.delete(f"/api/v1/assessments/{assessment}/evidence/{file_id}")
    assert_problem(missing, 404, "not-found", detail_contains="no evidence file")


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        ("config.json", binary_junk(), None, "binary"),
        ("values.yaml", deep_yaml(), None, "nested more than 64 levels"),
        ("deployment.yaml", alias_bomb(), None, "alias"),
        ("README.md", b"---\n: : [\n---\n", None, "front matter"),
        ("notes.txt", fixture("Chart.yaml"), "helm_chart", None),
    ],
)
def test_unreadable_files_are_kept_with_their_error_and_nothing_else_is_affected(
    procurement: Caller,
    assessment: str,
    name: str,
    content: bytes,
    kind: str | None,
    message: str | None,
) -> None:
    upload(procurement, assessment, "requirements.txt")
    data = {"kind": kind} if kind else {}
    response = upload(procurement, assessment, name, content, **data)
    assert response.status_code == 201, response.text
    body = response.json()
    if message is None:
        assert body["parse_error"] is None
        assert body["kind_detected"] is False
    else:
        assert message in body["parse_error"]
        assert body["facts"] == []
    found = statuses(procurement, assessment)
    assert found["framework.version"]["status"] == "contradicted"  # the good file still counts
    assert procurement.get("/healthz").status_code == 200


def test_bad_uploads_are_refused_with_problems(procurement: Caller, assessment: str) -> None:
    unknown = upload(procurement, assessment, "notes.txt", b"hello there\n")
    body = assert_problem(unknown, 422, "invalid-input", detail_contains="Could not tell what kind")
    assert "choose one of" in problem_errors(body, key="field")["kind"]
    empty = upload(procurement, assessment, "requirements.txt", b"")
    assert_problem(empty, 422, "invalid-input", detail_contains="empty")
    wrong_kind = upload(procurement, assessment, "requirements.txt", b"x==1", kind="word_doc")
    assert_problem(wrong_kind, 422, "invalid-input")
    huge = upload(procurement, assessment, "bom.cdx.json", b"{" + b" " * (9 * 1024 * 1024) + b"}")
    assert_problem(huge, 413, "payload-too-large")
    upload(procurement, assessment, "requirements.txt")
    again = upload(procurement, assessment, "requirements-copy.txt", fixture("requirements.txt"))
    assert_problem(again, 409, "conflict", detail_contains="already attached as 'requirements.txt'")


def test_an_oversized_file_of_its_kind_is_kept_with_the_limit(
    procurement: Caller, assessment: str
) -> None:
    response = upload(procurement, assessment, "config.json", b"{" + b" " * (300 * 1024) + b"}")
    assert response.status_code == 201
    assert "over the 256 KiB limit for a model config.json" in response.json()["parse_error"]


def test_other_organisations_and_readers(
    http: Any, session: Session, procurement: Caller, assessment: str
) -> None:
    upload(procurement, assessment, "requirements.txt")
    stranger = caller(http, session, builders.organisation(session, "Other Agency"), Role.ADMIN)
    assert_problem(stranger.get(f"/api/v1/assessments/{assessment}/evidence"), 404, "not-found")
    assert_problem(upload(stranger, assessment, "requirements.txt"), 404, "not-found")
    reader = caller(http, session, procurement.org, Role.ACCOUNT_LEAD)
    assert reader.get(f"/api/v1/assessments/{assessment}/evidence").status_code == 200
    assert_problem(upload(reader, assessment, "poetry.lock"), 403, "forbidden")
