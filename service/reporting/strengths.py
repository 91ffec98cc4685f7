"""What counts for the vendor: the areas where the rules were checked and nothing was found.

An area (a category of the rule pack) is a strength when at least one of its rules was settled
"does not apply" on known answers and none of its rules fired, confirmed or not. Each strength
names the answers the clearing rules read, so the reader sees what it rests on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.questionnaires.answers import display, resolve
from service.questionnaires.conditions import is_known
from service.scores.schemas import ScoreRead
from service.scoring.engine import Engine
from service.scoring.rules import Dimension

EVIDENCE_PER_STRENGTH = 2

# (heading, clause for the decision sentence); "{client}" is the client's name.
PHRASES: dict[str, tuple[str, str]] = {
    "deployment": (
        "Fits the way {client} runs software",
        "runs the way {client} runs software",
    ),
    "hardware": ("Needs no hardware {client} lacks", "needs no new hardware"),
    "operations": (
        "Can be run by {client}'s own team",
        "can be run and upgraded without the vendor",
    ),
    "portability": (
        "{client} keeps its models and can leave",
        "leaves {client} free to keep its models and leave",
    ),
    "data": ("Keeps data within {client}'s rules", "keeps data within {client}'s rules"),
    "security": (
        "Meets {client}'s supply-chain requirements",
        "meets {client}'s supply-chain requirements",
    ),
    "framework": (
        "Built on a widely used, supported ML framework",
        "is built on a widely used, supported ML framework",
    ),
    "serving": (
        "Serves models with maintained, standard software",
        "serves its models with maintained, standard software",
    ),
    "ecosystem": (
        "Open models that can be replaced as better ones appear",
        "uses open models that can be replaced as better ones appear",
    ),
    "packaging": ("Standard packaging", "ships in standard packaging"),
    "maintenance": (
        "Disciplined maintenance",
        "is maintained with regular releases and prompt security fixes",
    ),
}
ORDER = tuple(PHRASES)
"""Client-facing areas first: they make the decision sentence."""


@dataclass(frozen=True)
class Strength:
    category: str
    dimension: Dimension
    heading: str
    clause: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class StrengthGroup:
    title: str
    strengths: tuple[Strength, ...]


def strengths(engine: Engine, score: ScoreRead, client: str) -> list[Strength]:
    answers, environment = score.provenance.answers, score.provenance.client_environment
    _, vendor_active = resolve(engine.vendor, answers)
    _, client_active = resolve(engine.client, environment)
    outcomes = engine.outcomes(vendor_active, client_active)
    fired = {(f.dimension, f.category) for f in score.findings}
    cleared: dict[tuple[Dimension, str], Counter[str]] = {}
    for compiled, outcome in zip(engine.rules, outcomes, strict=True):
        rule = compiled.rule
        if outcome is False and (rule.dimension, rule.category) not in fired:
            reads = cleared.setdefault((rule.dimension, rule.category), Counter())
            reads.update(q for q in compiled.vendor_reads if is_known(vendor_active.get(q)))
    everywhere = Counter(q for compiled in engine.rules for q in compiled.vendor_reads)
    found = [
        _strength(engine, dimension, category, _specific(reads, everywhere), vendor_active, client)
        for (dimension, category), reads in cleared.items()
    ]
    return sorted(found, key=lambda s: _rank(s.category))


def grouped(found: list[Strength], client: str) -> list[StrengthGroup]:
    groups = [
        StrengthGroup(f"For {client}'s environment", _of(found, Dimension.INTEGRATION_RISK)),
        StrengthGroup("In the vendor's stack", _of(found, Dimension.TECHNICAL_CURRENCY)),
    ]
    return [g for g in groups if g.strengths]


def _of(found: list[Strength], dimension: Dimension) -> tuple[Strength, ...]:
    return tuple(s for s in found if s.dimension is dimension)


def _specific(reads: Counter[str], everywhere: Counter[str]) -> list[str]:
    """The answers most particular to this area first (guards that many rules read, such as
    the deployment models, last)."""
    return sorted(reads, key=lambda q: (everywhere[q], -reads[q], q))


def _strength(
    engine: Engine,
    dimension: Dimension,
    category: str,
    reads: list[str],
    answers: Mapping[str, Any],
    client: str,
) -> Strength:
    title = engine.pack.categories.of(dimension)[category].title
    heading, clause = PHRASES.get(
        category, (f"No concerns: {title}", f"raises no concerns on {title}")
    )
    evidence = tuple(
        f"{engine.vendor.questions[q].name}: {display(engine.vendor.questions[q], answers[q])}"
        for q in reads[:EVIDENCE_PER_STRENGTH]
    )
    return Strength(
        category,
        dimension,
        heading.format(client=client),
        clause.format(client=client),
        evidence,
    )


def _rank(category: str) -> int:
    return ORDER.index(category) if category in ORDER else len(ORDER)
