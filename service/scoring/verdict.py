"""The recommendation, from the two bands, the findings and how much the vendor answered.

In order:
1. `not_recommended` when known answers confirm it: a blocker or verdict cap that says so, or a
   worst band that the known findings alone reach.
2. `insufficient_information` when the vendor's answers leave the verdict open: too few known
   answers, a worst band that only unknown answers reach, or a blocker resting on unknowns.
3. `recommended` when both bands are the best, the vendor answered enough and no confirmed
   finding caps the verdict at `conditional`; otherwise `conditional`.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.scoring.findings import Basis, Completeness, DimensionScore, Finding, decides_verdict
from service.scoring.rules import BANDS, Dimension, RulePack, Verdict


def recommend(
    pack: RulePack,
    currency: DimensionScore,
    risk: DimensionScore,
    completeness: Completeness,
    findings: Sequence[Finding],
) -> Verdict:
    known = [f for f in findings if f.basis is Basis.KNOWN]
    caps = {f.rule.verdict_at_most for f in known if f.rule.verdict_at_most is not None}
    worst = _worst(currency) or _worst(risk)
    if Verdict.NOT_RECOMMENDED in caps or (worst and _worst_without_unknowns(pack, currency, risk)):
        return Verdict.NOT_RECOMMENDED
    policy = pack.recommendation
    unverified_blocker = any(f.basis is Basis.UNKNOWN and decides_verdict(f.rule) for f in findings)
    if worst or unverified_blocker or completeness.vendor_ratio < policy.min_vendor_completeness:
        return Verdict.INSUFFICIENT_INFORMATION
    best = currency.band == BANDS[currency.dimension][0] and risk.band == BANDS[risk.dimension][0]
    if best and completeness.vendor_ratio >= policy.min_completeness and not caps:
        return Verdict.RECOMMENDED
    return Verdict.CONDITIONAL


def _worst(result: DimensionScore) -> bool:
    return result.band == BANDS[result.dimension][-1]


def _worst_without_unknowns(pack: RulePack, *results: DimensionScore) -> bool:
    """Whether a worst band stands on known findings alone (blockers, or the known points)."""
    for result in results:
        if not _worst(result):
            continue
        if (
            result.blockers
            or _band_rank(pack, result.dimension, result.points - result.unknown_points) == 2
        ):
            return True
    return False


def _band_rank(pack: RulePack, dimension: Dimension, points: float) -> int:
    if dimension is Dimension.TECHNICAL_CURRENCY:
        score = round(100 - points)
        currency = pack.thresholds.technical_currency
        return 0 if score >= currency.current else 1 if score >= currency.lagging else 2
    score = round(points)
    threshold = pack.thresholds.integration_risk
    return 0 if score <= threshold.low else 1 if score <= threshold.moderate else 2
