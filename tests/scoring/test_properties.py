"""Property: answering an unknown question with its best possible answer never lowers
technical currency or raises integration risk (a vendor never gains by not answering)."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.questionnaires.answers import resolve
from service.questionnaires.catalog import load_catalog
from service.questionnaires.schema import Questionnaire
from service.scoring.engine import Basis, Engine, Score
from service.scoring.library import load_library
from service.scoring.paths import candidate_values
from service.scoring.rules import BANDS, Dimension
from tests.repository import REPO_ROOT


@cache
def engine() -> Engine:
    root = REPO_ROOT / "questionnaires"
    shipped = load_library(root, load_catalog(root)).engine("ai-framework@2.0")
    assert shipped is not None
    return shipped


@cache
def client_candidates() -> dict[str, tuple[Any, ...]]:
    """Answers worth trying for client questions (choices, booleans, rule thresholds)."""
    values: dict[str, tuple[Any, ...]] = {}
    for question in engine().client.questions.values():
        if question.options:
            ids = [o.id for o in question.options]
            values[question.id] = (
                tuple(ids)
                if question.type == "single_choice"
                else tuple([[o] for o in ids] + [ids])
            )
        elif question.type == "boolean":
            values[question.id] = (True, False)
        elif question.type == "number":
            values[question.id] = (0, 16, 24, 48, 80, 160)
    return values


UNANSWERED = object()


def answers_for(candidates: dict[str, tuple[Any, ...]]) -> st.SearchStrategy[dict[str, Any]]:
    per_question = {
        qid: st.sampled_from((UNANSWERED, "unknown", *values)) for qid, values in candidates.items()
    }
    return st.fixed_dictionaries(per_question).map(
        lambda drawn: {k: v for k, v in drawn.items() if v is not UNANSWERED}
    )


def quality(score: Score, dimension: Dimension) -> tuple[int, int]:
    """Larger is better: (band rank from worst, score in the good direction)."""
    result = score.dimension(dimension)
    rank = len(BANDS[dimension]) - BANDS[dimension].index(result.band)
    value = result.score if dimension is Dimension.TECHNICAL_CURRENCY else -result.score
    return rank, value


def best_answer_is_never_worse(
    answers: dict[str, Any], client: dict[str, Any], side: str, question: str
) -> None:
    scorer = engine()
    pool = candidate_values(scorer) if side == "vendor" else client_candidates()

    def with_value(value: Any) -> Score:
        if side == "vendor":
            return scorer.score({**answers, question: value}, client)
        return scorer.score(answers, {**client, question: value})

    unknown = with_value("unknown")
    for dimension in Dimension:
        best = max(quality(with_value(v), dimension) for v in pool[question])
        assert best >= quality(unknown, dimension), (side, question, dimension)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_answering_a_vendor_question_well_never_hurts(data: st.DataObject) -> None:
    answers = data.draw(answers_for(candidate_values(engine())), label="answers")
    client = data.draw(answers_for(client_candidates()), label="client")
    question = data.draw(st.sampled_from(sorted(candidate_values(engine()))), label="question")
    best_answer_is_never_worse(answers, client, "vendor", question)


@PROPERTY
@given(data=st.data())
def test_unanswered_client_facts_never_count_against_the_vendor(data: st.DataObject) -> None:
    answers = data.draw(answers_for(candidate_values(engine())), label="answers")
    client = data.draw(answers_for(client_candidates()), label="client")
    result = engine().score(answers, client)
    vendor_questions = engine().vendor.questions
    for finding in result.findings:
        if finding.basis is Basis.UNKNOWN:
            assert finding.unknown_question in vendor_questions, finding.id
            assert answers.get(finding.unknown_question, "unknown") == "unknown", finding.id
    _, active = resolve(engine().client, client)  # a hidden follow-up counts as unanswered
    for fact in result.assumed_client_facts:
        assert active.get(fact, "unknown") == "unknown", fact


def test_the_shipped_questionnaires_are_the_ones_scored() -> None:
    vendor: Questionnaire = engine().vendor
    assert vendor.key == "ai-framework@2.0"
    assert engine().client.key == "client-environment@2.0"
