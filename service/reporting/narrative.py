"""The plain-language sentences of a report: the summary paragraph and the vendor ranking."""

from __future__ import annotations

from service.scores.schemas import ScoreRead
from service.scoring.engine import Recommendation
from service.scoring.rules import Dimension

CURRENCY_PHRASES = {
    "current": "is current: it follows where open AI development is going",
    "lagging": "is lagging behind where open AI development is going",
    "outdated": "is outdated: it relies on end-of-life, proprietary or declining components",
}
RISK_PHRASES = {
    "low": "would be a low integration risk",
    "moderate": "would be a moderate integration risk",
    "high": "would be a high integration risk",
}
RECOMMENDATIONS = {
    Recommendation.RECOMMENDED: "We recommend this vendor for this client.",
    Recommendation.CONDITIONAL: (
        "We recommend proceeding only on conditions: the findings below say which, and what to "
        "require of the vendor."
    ),
    Recommendation.NOT_RECOMMENDED: (
        "We do not recommend this vendor for this client unless the blocking findings below "
        "are resolved."
    ),
    Recommendation.INSUFFICIENT_INFORMATION: (
        "The vendor's answers leave the verdict open: we can give one once the questions listed "
        "under 'To confirm' are answered."
    ),
}


def summary(vendor: str, client: str, score: ScoreRead) -> list[str]:
    """The executive summary, one short paragraph per idea."""
    currency, risk = score.technical_currency, score.integration_risk
    if score.recommendation is Recommendation.INSUFFICIENT_INFORMATION:
        opening = (
            f"{vendor}'s answers leave too much open to judge its stack for {client}: the scores "
            f"(technical currency {currency.score}/100, integration risk {risk.score}/100) count "
            "every unknown answer against the vendor, so they are a floor, not a finding."
        )
    else:
        opening = (
            f"{vendor}'s stack {CURRENCY_PHRASES[currency.band]} (technical currency "
            f"{currency.score}/100), and it {RISK_PHRASES[risk.band]} for {client} (integration "
            f"risk {risk.score}/100)."
        )
    paragraphs = [f"{opening} {RECOMMENDATIONS[score.recommendation]}"]
    reasons = [r.title for d in Dimension for r in score.top_reasons[d]][:4]
    if reasons:
        paragraphs.append("The main reasons: " + "; ".join(_lower(r) for r in reasons) + ".")
    else:
        paragraphs.append("No confirmed answer counts against this vendor for this client.")
    if score.to_confirm:
        blocking = [c.label for c in score.to_confirm if c.blocking]
        paragraphs.append(
            f"{_count(len(score.to_confirm), 'answer', 'answers')} to confirm: the vendor did not "
            "give or did not know them, so they count against the vendor until answered"
            + (f"; these could decide the verdict: {', '.join(blocking[:5])}." if blocking else ".")
        )
    if score.client_profile is not None and not score.client_profile.complete:
        assumed = ", ".join(a.label for a in score.client_profile.assumed[:6])
        paragraphs.append(
            f"{score.client_profile.summary} ({assumed}): they are the agency's to fill in, and "
            "were assumed not to conflict with the vendor."
        )
    if score.improvement_paths:
        paragraphs.append(f"The quickest way up: {score.improvement_paths[0].summary}.")
    return paragraphs


def ranking_reason(vendor: str, score: ScoreRead) -> str:
    """One sentence explaining a vendor's place in a comparison."""
    currency, risk = score.technical_currency, score.integration_risk
    verdict = score.recommendation.value.replace("_", " ")
    facts = f"{currency.band} ({currency.score}) and {risk.band} risk ({risk.score})"
    blockers = currency.blockers + risk.blockers
    titles = {f.rule_id: f.title for f in score.findings}
    if blockers:
        named = "; ".join(_lower(titles.get(b, b)) for b in blockers[:2])
        return f"{vendor}: {verdict}: {facts}, held back by {named}."
    top = [score.top_reasons[d][0].title for d in Dimension if score.top_reasons[d]]
    if top:
        return f"{vendor}: {verdict}: {facts}; main points against: {'; '.join(map(_lower, top))}."
    return f"{vendor}: {verdict}: {facts}, with no findings against it."


def _lower(title: str) -> str:
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def _count(number: int, one: str, many: str) -> str:
    words = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five"}
    return f"{words.get(number, str(number))} {one if number == 1 else many}"
