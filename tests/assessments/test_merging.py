"""Saves based on an older revision (If-Match) merge when they change different questions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.assessments.merging import same
from tests.api import Caller, assert_problem, problem_errors
from tests.assessments.test_api import answer, create, parties
from tests.builders import example

__all__ = ["parties"]


def test_two_writers_changing_different_questions_both_succeed(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties, answers={"hardware.gpu": "optional"})
    first = answer(
        procurement, assessment, {"framework.primary": "jax"}, headers={"If-Match": '"1"'}
    )
    assert first.status_code == 200
    second = answer(
        procurement, assessment, {"deployment.models": ["saas"]}, headers={"If-Match": '"1"'}
    )
    assert second.status_code == 200, second.text
    assert second.headers["etag"] == '"3"'
    assert second.json()["answers"] == {
        "hardware.gpu": "optional",
        "framework.primary": "jax",
        "deployment.models": ["saas"],
    }


def test_an_unchanged_value_of_a_question_others_changed_keeps_theirs(
    procurement: Caller, parties: dict[str, str]
) -> None:
    """Sending back the value read at revision 1 is not a change: the newer answer stays."""
    assessment = create(procurement, parties, answers={"hardware.gpu": "optional"})
    answer(procurement, assessment, {"hardware.gpu": "required"}, headers={"If-Match": '"1"'})
    stale = answer(
        procurement,
        assessment,
        {"hardware.gpu": "optional", "framework.primary": "jax"},
        headers={"If-Match": '"1"'},
    )
    assert stale.status_code == 200, stale.text
    assert stale.json()["answers"]["hardware.gpu"] == "required"
    assert stale.json()["answers"]["framework.primary"] == "jax"


def test_the_same_question_changed_by_both_is_a_412_naming_it(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties)
    answer(procurement, assessment, {"hardware.gpu": "optional"}, headers={"If-Match": '"1"'})
    stale = answer(
        procurement,
        assessment,
        {"hardware.gpu": "required", "framework.primary": "jax"},
        headers={"If-Match": '"1"'},
    )
    body = assert_problem(stale, 412, "precondition-failed", detail_contains="(hardware.gpu)")
    assert set(problem_errors(body, key="question")) == {"hardware.gpu"}
    assert "since revision 1" in problem_errors(body, key="question")["hardware.gpu"]
    assert stale.headers["etag"] == '"2"'
    current = procurement.get(f"/api/v1/assessments/{assessment['id']}").json()
    assert current["answers"] == {"hardware.gpu": "optional"}, "nothing of the save applied"


def test_the_same_answer_given_by_both_is_no_conflict(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties)
    answer(procurement, assessment, {"deployment.models": ["saas", "on_prem"]})
    same_again = answer(
        procurement,
        assessment,
        {"deployment.models": ["on_prem", "saas"]},
        headers={"If-Match": '"1"'},
    )
    assert same_again.status_code == 200
    assert same_again.json()["revision"] == 2


def test_a_submission_since_the_revision_is_not_merged(
    procurement: Caller, parties: dict[str, str], session: Session
) -> None:
    assessment = create(procurement, parties, answers=example("openweave.answers"))
    submitted = procurement.post(f"/api/v1/assessments/{assessment['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    reopened = procurement.post(f"/api/v1/assessments/{assessment['id']}/reopen")
    assert reopened.status_code == 200, reopened.text
    stale = answer(
        procurement, assessment, {"hardware.gpu": "required"}, headers={"If-Match": '"1"'}
    )
    assert_problem(stale, 412, "precondition-failed", detail_contains="not 1")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["a", "b"], ["b", "a"], True),
        (["a"], ["a", "b"], False),
        ("x", "x", True),
        (None, "x", False),
        (3, 3.0, True),
    ],
)
def test_same(a: Any, b: Any, expected: bool) -> None:
    assert same(a, b) is expected


def test_a_revision_from_the_future_is_not_merged(
    procurement: Caller, parties: dict[str, str]
) -> None:
    assessment = create(procurement, parties)
    stale = answer(
        procurement, assessment, {"hardware.gpu": "required"}, headers={"If-Match": '"9"'}
    )
    assert_problem(stale, 412, "precondition-failed", detail_contains="revision 1, not 9")
