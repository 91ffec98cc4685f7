"""The engine on a small synthetic pack: points, unknowns, caps, bands, blockers, advice."""

from __future__ import annotations

from typing import Any

import pytest

from service.questionnaires.conditions import Fact, Source
from service.scoring.engine import Basis, Recommendation, Score
from service.scoring.rules import Dimension
from tests.scoring.fixtures import BEST, K8S_WITH_GPUS, RULES, make_engine

ENGINE = make_engine()


def score(changes: dict[str, Any] | None = None, client: dict[str, Any] | None = None) -> Score:
    answers = {**BEST, **(changes or {})}
    answers = {k: v for k, v in answers.items() if v is not None}
    return ENGINE.score(answers, K8S_WITH_GPUS if client is None else client)


def fired(result: Score) -> dict[str, tuple[float, Basis]]:
    return {f.id: (f.points, f.basis) for f in result.findings}


def test_best_answers_score_current_and_low() -> None:
    result = score()
    assert result.findings == ()
    assert (result.technical_currency.score, result.technical_currency.band) == (100, "current")
    assert (result.integration_risk.score, result.integration_risk.band) == (0, "low")
    assert result.recommendation is Recommendation.RECOMMENDED
    assert result.completeness.ratio == 1.0


@pytest.mark.parametrize(
    ("changes", "rule", "points"),
    [
        ({"framework": "proprietary"}, "tc.framework.proprietary", 30),
        ({"framework": "tensorflow"}, "tc.framework.maintained", 15),
        ({"framework_version": "2.3.1"}, "tc.framework.old", 20),
        ({"serving": "torchserve"}, "tc.serving.limited", 20),
        ({"formats": ["pickle"]}, "tc.formats.pickle", 10),
        ({"patch_days": 31}, "tc.patching.slow", 10),
        ({"kubernetes": False}, "ir.kubernetes.missing", 30),
    ],
)
def test_a_rule_fires_on_known_answers_with_its_points(
    changes: dict[str, Any], rule: str, points: float
) -> None:
    assert fired(score(changes)) == {rule: (points, Basis.KNOWN)}


def test_unknown_answers_add_if_unknown_points_and_are_unverified() -> None:
    result = score({"patch_days": "unknown", "kubernetes": None})
    assert fired(result) == {
        "tc.patching.slow": (12, Basis.UNKNOWN),
        "ir.kubernetes.missing": (30, Basis.UNKNOWN),
    }
    assert result.technical_currency.unknown_points == 12
    assert result.integration_risk.unknown_points == 30
    assert result.completeness.vendor_known == 5


def test_a_known_fact_can_settle_a_rule_despite_unknowns() -> None:
    # The client runs VMs, so whether the vendor supports Kubernetes does not matter.
    result = score({"kubernetes": "unknown"}, client={"orchestration": "vms", "gpus": True})
    assert "ir.kubernetes.missing" not in fired(result)


def test_unknown_client_facts_are_assumed_not_to_conflict_and_listed() -> None:
    # The client's gap is the agency's to fill: it is not the vendor's risk.
    result = score({"kubernetes": False}, client={})
    assert "ir.kubernetes.missing" not in fired(result)
    assert result.assumed_client_facts == ("orchestration",)
    assert result.integration_risk.score == 0


def test_a_vendor_unknown_still_counts_when_the_client_is_also_unknown() -> None:
    result = score({"kubernetes": "unknown"}, client={})
    assert fired(result)["ir.kubernetes.missing"] == (30, Basis.UNKNOWN)


def test_hidden_answers_do_not_count() -> None:
    # framework_version is hidden for a proprietary framework: its old value is ignored.
    result = score({"framework": "proprietary", "framework_version": "1.0"})
    assert "tc.framework.old" not in fired(result)


def test_findings_carry_the_facts_that_triggered_them() -> None:
    result = score({"gpu": "required"}, client={"orchestration": "kubernetes", "gpus": False})
    finding = next(f for f in result.findings if f.id == "ir.gpu.missing")
    assert finding.facts == (
        Fact(Source.VENDOR, "gpu", "required"),
        Fact(Source.CLIENT, "gpus", False),
    )


def test_category_caps_limit_one_area() -> None:
    # ecosystem: pickle 10 + secret 10 + slow patching 10 = 30, capped at 25.
    result = score({"formats": ["pickle", "secret"], "patch_days": 90})
    ecosystem = next(c for c in result.technical_currency.categories if c.category == "ecosystem")
    assert (ecosystem.points, ecosystem.capped) == (30, 25)
    assert result.technical_currency.score == 75


@pytest.mark.parametrize(
    ("changes", "points", "band"),
    [
        ({}, 100, "current"),
        ({"patch_days": 90, "formats": ["pickle"]}, 80, "current"),
        ({"serving": "torchserve", "formats": ["pickle"]}, 70, "lagging"),
        ({"framework": "proprietary", "serving": "torchserve"}, 50, "lagging"),
        (
            {"framework": "proprietary", "serving": "torchserve", "formats": ["pickle"]},
            40,
            "outdated",
        ),
    ],
)
def test_currency_bands_follow_thresholds(changes: dict[str, Any], points: int, band: str) -> None:
    result = score(changes)
    assert (result.technical_currency.score, result.technical_currency.band) == (points, band)


def test_threshold_edges_are_inclusive() -> None:
    edge = make_engine(
        thresholds={
            "technical_currency": {"current": 80, "lagging": 50},
            "integration_risk": {"low": 30, "moderate": 55},
        }
    )
    at_80 = edge.score({**BEST, "serving": "torchserve"}, K8S_WITH_GPUS)
    assert (at_80.technical_currency.score, at_80.technical_currency.band) == (80, "current")
    at_30 = edge.score({**BEST, "kubernetes": False}, K8S_WITH_GPUS)
    assert (at_30.integration_risk.score, at_30.integration_risk.band) == (30, "low")


def test_a_blocker_forces_a_worse_band_and_is_named() -> None:
    result = score({"serving": "custom"})  # 25 points: score 75 would be current
    assert result.technical_currency.score == 75
    assert result.technical_currency.band == "lagging"
    assert result.technical_currency.blockers == ("tc.serving.custom",)


def test_a_blocker_never_improves_a_band() -> None:
    result = score({"serving": "custom", "framework": "proprietary", "formats": ["secret"]})
    assert result.technical_currency.band == "outdated"
    assert result.technical_currency.blockers == ()


def test_an_unverified_blocker_counts_its_points_but_leaves_the_verdict_open() -> None:
    result = score({"gpu": "unknown"}, client={"orchestration": "kubernetes", "gpus": False})
    assert result.integration_risk.score == 35  # capped hardware, unknown points still count
    assert result.integration_risk.band == "moderate"  # the blocker does not force the band
    assert result.integration_risk.blockers == ()
    assert result.recommendation is Recommendation.INSUFFICIENT_INFORMATION
    assert [r.question for r in result.to_confirm()] == ["gpu"]
    assert result.to_confirm()[0].blocking


def test_a_confirmed_blocker_forces_the_band() -> None:
    result = score({"gpu": "required"}, client={"orchestration": "kubernetes", "gpus": False})
    assert result.integration_risk.band == "high"
    assert result.integration_risk.blockers == ("ir.gpu.missing",)
    assert result.recommendation is Recommendation.NOT_RECOMMENDED


@pytest.mark.parametrize(
    ("changes", "client", "recommendation"),
    [
        ({}, K8S_WITH_GPUS, Recommendation.RECOMMENDED),
        (
            {"serving": "torchserve", "formats": ["pickle"]},
            K8S_WITH_GPUS,
            Recommendation.CONDITIONAL,
        ),
        ({"kubernetes": False}, K8S_WITH_GPUS, Recommendation.CONDITIONAL),
        (
            {"gpu": "required"},
            {"orchestration": "vms", "gpus": False},
            Recommendation.NOT_RECOMMENDED,
        ),
        (
            {"framework": "proprietary", "serving": "custom"},
            K8S_WITH_GPUS,
            Recommendation.NOT_RECOMMENDED,
        ),
    ],
)
def test_recommendation_follows_both_bands(
    changes: dict[str, Any], client: dict[str, Any], recommendation: Recommendation
) -> None:
    assert score(changes, client).recommendation is recommendation


def test_an_incomplete_assessment_is_not_recommended_outright() -> None:
    sparse = make_engine(rules=[RULES[0]])
    result = sparse.score({"framework": "pytorch"}, K8S_WITH_GPUS)
    assert (result.technical_currency.band, result.integration_risk.band) == ("current", "low")
    assert result.completeness.ratio < 0.8
    assert result.recommendation is Recommendation.CONDITIONAL


def test_top_reasons_are_the_largest_contributions() -> None:
    result = score(
        {
            "framework": "proprietary",
            "serving": "torchserve",
            "formats": ["pickle"],
            "patch_days": 60,
        }
    )
    assert [f.id for f in result.top_reasons(Dimension.TECHNICAL_CURRENCY)] == [
        "tc.framework.proprietary",
        "tc.serving.limited",
        "tc.formats.pickle",
    ]
    assert result.top_reasons(Dimension.INTEGRATION_RISK) == []


def test_same_inputs_same_result() -> None:
    answers = {**BEST, "serving": "torchserve", "patch_days": "unknown"}
    assert ENGINE.score(answers, K8S_WITH_GPUS) == make_engine().score(answers, K8S_WITH_GPUS)
