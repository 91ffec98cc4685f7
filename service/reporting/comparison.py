"""The comparison report's content: the scored vendors of one client side by side, ranked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from service.questionnaires.answers import display
from service.questionnaires.schema import Questionnaire
from service.reporting.cards import cards
from service.reporting.narrative import ranking_reason
from service.reporting.view import Document, gauges, long_date
from service.scores.schemas import ScoreRead
from service.scoring.engine import Recommendation
from service.scoring.rules import BANDS, Dimension, RulePack, Severity

KEY_FACTS = (
    ("Framework", ("framework.primary", "framework.version")),
    ("Serving stack", ("serving.stack",)),
    ("Kubernetes", ("deployment.kubernetes", "deployment.container_image")),
    ("Hardware", ("hardware.gpu", "hardware.dedicated_server_required")),
    (
        "Hugging Face",
        (
            "hf.hub_distribution",
            "hf.transformers_compatible",
            "hf.weight_formats",
            "hf.model_swappable",
        ),
    ),
)
DECISIVE = 3
_ORDER = {
    Recommendation.RECOMMENDED: 0,
    Recommendation.CONDITIONAL: 1,
    Recommendation.NOT_RECOMMENDED: 2,
    Recommendation.INSUFFICIENT_INFORMATION: 3,
}


@dataclass(frozen=True)
class Entry:
    """One vendor's column."""

    vendor: str
    title: str
    scored_on: datetime
    score: ScoreRead
    pack: RulePack
    questionnaire: Questionnaire

    @property
    def answers(self) -> Mapping[str, Any]:
        return self.score.provenance.answers


@dataclass(frozen=True)
class Fact:
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    vendor: str
    title: str
    scored_on: str
    twin: bool
    """Another column has the same vendor name: the title and date tell them apart."""
    score: ScoreRead
    gauges: dict[Dimension, Markup]
    facts: tuple[Fact, ...]
    severity_counts: dict[Severity, int]
    unverified: int
    reason: str
    decisive: tuple[str, ...]
    """The findings that weigh most, those that decide the verdict first."""


@dataclass(frozen=True)
class ComparisonReport:
    document: Document
    organisation: str
    client: str
    date: str
    columns: list[Column]
    """Ranked: the first is the recommended choice."""
    available: int
    """Vendors that could be compared; more than the columns when a choice was made."""


def comparison_report(
    organisation: str, client: str, entries: list[Entry], available: int | None = None
) -> ComparisonReport:
    ranked = sorted(entries, key=_rank)
    names = Counter(e.vendor.casefold() for e in entries)
    latest = max((e.score.provenance.computed_at or datetime(1970, 1, 1)) for e in entries)
    return ComparisonReport(
        document=Document(
            title=f"AI vendor comparison for {client}",
            author=organisation,
            subject=f"{len(entries)} AI vendors compared for {client}",
            keywords="AI vendor comparison, technical currency, integration risk, stackvet",
            created=latest,
        ),
        organisation=organisation,
        client=client,
        date=long_date(latest),
        columns=[_column(entry, names[entry.vendor.casefold()] > 1) for entry in ranked],
        available=available or len(entries),
    )


def _rank(entry: Entry) -> tuple[int, int, int, int, int, str]:
    score = entry.score
    risk_rank = BANDS[Dimension.INTEGRATION_RISK].index(score.integration_risk.band)
    currency_rank = BANDS[Dimension.TECHNICAL_CURRENCY].index(score.technical_currency.band)
    return (
        _ORDER[score.recommendation],
        risk_rank,
        currency_rank,
        score.integration_risk.score,
        -score.technical_currency.score,
        entry.vendor.lower(),
    )


def _column(entry: Entry, twin: bool) -> Column:
    findings = entry.score.findings
    return Column(
        vendor=entry.vendor,
        title=entry.title,
        scored_on=long_date(entry.scored_on),
        twin=twin,
        score=entry.score,
        gauges=gauges(entry.score, entry.pack, size=120),
        facts=tuple(_fact(entry, label, ids) for label, ids in KEY_FACTS),
        severity_counts={s: sum(1 for f in findings if f.severity is s) for s in Severity},
        unverified=sum(1 for f in findings if not f.verified),
        reason=ranking_reason(entry.vendor, entry.score),
        decisive=tuple(c.title for c in cards(entry.score, entry.pack)[:DECISIVE]),
    )


def _fact(entry: Entry, label: str, ids: tuple[str, ...]) -> Fact:
    values = []
    for question_id in ids:
        question = entry.questionnaire.questions.get(question_id)
        if question is None or (question.show_if is not None and question_id not in entry.answers):
            continue
        values.append(f"{question.name}: {display(question, entry.answers.get(question_id))}")
    return Fact(label, tuple(values))
