"""Page one: the decision in one sentence, and what it depends on as requirements.

- recommended: the sentence names what counts most for the vendor (its strengths);
- conditional: the conditions, each a requirement the vendor can meet;
- not recommended: the blockers, each with what the vendor would have to change;
- insufficient information: the questions whose answers decide the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.reporting.cards import Card
from service.reporting.strengths import Strength
from service.scores.schemas import ScoreRead
from service.scoring.engine import Recommendation
from service.scoring.rules import BANDS, Dimension, Severity

ON_PAGE_ONE = 4
VERDICTS = {
    Recommendation.RECOMMENDED: "Recommended",
    Recommendation.CONDITIONAL: "Recommended on conditions",
    Recommendation.NOT_RECOMMENDED: "Not recommended",
    Recommendation.INSUFFICIENT_INFORMATION: "No verdict yet",
}


@dataclass(frozen=True)
class Requirement:
    title: str
    text: str


@dataclass(frozen=True)
class Decision:
    verdict: str
    sentence: str
    heading: str
    requirements: tuple[Requirement, ...]
    more: int
    """Further requirements listed under the findings."""


def decide(
    score: ScoreRead, vendor: str, client: str, made: list[Card], found: list[Strength]
) -> Decision:
    verdict = score.recommendation
    if verdict is Recommendation.RECOMMENDED:
        return _recommended(client, vendor, found)
    if verdict is Recommendation.INSUFFICIENT_INFORMATION:
        return _open(score, vendor, client)
    if verdict is Recommendation.NOT_RECOMMENDED:
        chosen = _blockers(score, made)
        heading = f"What stops it: what {vendor} would have to change"
        sentence = f"Not recommended for {client}: " + _titles(chosen) + "."
    else:
        chosen = _conditions(score, made)
        if not chosen:
            return _answers_first(score, vendor, client)
        heading = f"Conditions: what to require of {vendor}"
        listed = "one condition" if len(chosen) == 1 else _count(len(chosen), "condition")
        sentence = f"Recommended for {client} on {listed}, listed below: {_titles(chosen)}."
    requirements = tuple(Requirement(c.title, c.requirements[0]) for c in chosen)
    return Decision(
        VERDICTS[verdict],
        sentence,
        heading,
        requirements[:ON_PAGE_ONE],
        max(0, len(requirements) - ON_PAGE_ONE),
    )


def _recommended(client: str, vendor: str, found: list[Strength]) -> Decision:
    clauses = [s.clause for s in found[:2]]
    because = f": {vendor} " + " and ".join(clauses) if clauses else ""
    return Decision(
        VERDICTS[Recommendation.RECOMMENDED], f"Recommended for {client}{because}.", "", (), 0
    )


def _open(score: ScoreRead, vendor: str, client: str) -> Decision:
    deciding = [c for c in score.to_confirm if c.blocking] or list(score.to_confirm)
    requirements = tuple(
        Requirement(c.label, "Could decide the verdict." if c.blocking else "Still unanswered.")
        for c in deciding
    )
    sentence = (
        f"No verdict yet for {client}: {vendor}'s answers leave "
        f"{_count(len(deciding), 'question')} open that decide it."
    )
    return Decision(
        VERDICTS[Recommendation.INSUFFICIENT_INFORMATION],
        sentence,
        f"What {vendor} must answer first",
        requirements[:ON_PAGE_ONE],
        max(0, len(requirements) - ON_PAGE_ONE),
    )


def _answers_first(score: ScoreRead, vendor: str, client: str) -> Decision:
    """Conditional only because too few answers are known: the condition is to answer them."""
    requirements = tuple(Requirement(c.label, "Still unanswered.") for c in score.to_confirm)
    return Decision(
        VERDICTS[Recommendation.CONDITIONAL],
        f"Recommended for {client} on one condition: {vendor} answers the "
        f"{_count(len(requirements), 'question')} still open and nothing new counts against it.",
        f"What {vendor} must answer first",
        requirements[:ON_PAGE_ONE],
        max(0, len(requirements) - ON_PAGE_ONE),
    )


def _blockers(score: ScoreRead, made: list[Card]) -> list[Card]:
    """Findings that decide the verdict by themselves, else the worst of the worst score."""
    decisive = [c for c in made if c.decisive]
    if decisive:
        return decisive
    worst = [d for d in Dimension if _band(score, d) == BANDS[d][-1]]
    return [c for c in made if set(c.dimensions) & set(worst)][:3] or made[:3]


def _conditions(score: ScoreRead, made: list[Card]) -> list[Card]:
    """Findings that cap the verdict, then the serious ones in a score short of its best band."""
    short = {d for d in Dimension if _band(score, d) != BANDS[d][0]}
    serious = {Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM}
    chosen = [
        c
        for c in made
        if c.decisive or c.limits or (set(c.dimensions) & short and c.severity in serious)
    ]
    return chosen or [c for c in made if c.severity in serious][:3]


def _band(score: ScoreRead, dimension: Dimension) -> str:
    if dimension is Dimension.TECHNICAL_CURRENCY:
        return score.technical_currency.band
    return score.integration_risk.band


def _titles(chosen: list[Card]) -> str:
    titles = [_lower(c.title) for c in chosen[:3]]
    rest = len(chosen) - len(titles)
    if rest:
        return ", ".join(titles) + f" and {rest} more"
    if len(titles) < 3:
        return " and ".join(titles)
    return f"{titles[0]}, {titles[1]} and {titles[2]}"


def _lower(title: str) -> str:
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def _count(number: int, noun: str) -> str:
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    return f"{words.get(number, str(number))} {noun}{'' if number == 1 else 's'}"
