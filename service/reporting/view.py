"""What a report shows, as plain data for the templates (no database, no web framework).

Everything comes from the score record's own snapshot (answers, client environment, the
exact questionnaire and rule-pack versions), so a report is reproducible from what it was made
from, whatever has changed since.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from service.questionnaires.answers import display, resolve
from service.questionnaires.conditions import is_known
from service.questionnaires.schema import Question, Questionnaire
from service.reporting.cards import Card, QuestionGroup, cards, vendor_questions
from service.reporting.charts import category_chart, severity_strip
from service.reporting.decision import Decision, decide
from service.reporting.fit import FitRow, fit_rows
from service.reporting.gauges import BAND_COLOURS, gauge
from service.reporting.narrative import summary as narrative
from service.reporting.strengths import Strength, StrengthGroup, grouped, strengths
from service.scores.schemas import ScoreRead
from service.scoring.engine import Engine
from service.scoring.rules import Dimension, RulePack, Severity

SEVERITIES = tuple(reversed(Severity))  # critical first
TOP_RISKS = 3
DEFAULT_ACCENT = "#2d5bd7"


@dataclass(frozen=True)
class Party:
    name: str
    detail: str | None = None


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str
    state: str
    """answered, unknown or unanswered"""


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: tuple[AnswerRow, ...]


@dataclass(frozen=True)
class Document:
    """PDF metadata; the date is the score's, never the time of rendering."""

    title: str
    author: str
    subject: str
    keywords: str
    created: datetime


@dataclass(frozen=True)
class Brand:
    """The agency's look and contact on its reports (see `service.branding`)."""

    accent: str = DEFAULT_ACCENT
    contact_name: str = ""
    contact_email: str = ""
    logo: str = ""
    """The logo's URL for this render (handed to the renderer with the HTML), or empty."""
    validity_months: int = 12


@dataclass(frozen=True)
class Summary:
    """Page two: what counts for and against the vendor, at a glance."""

    strengths: list[StrengthGroup]
    risks: list[Card]
    charts: dict[Dimension, Markup]
    severities: dict[Severity, int]
    strip: Markup


@dataclass(frozen=True)
class AssessmentReport:
    document: Document
    organisation: str
    brand: Brand
    vendor: Party
    client: Party
    title: str
    status: str
    reference: str
    score: ScoreRead
    gauges: dict[Dimension, Markup]
    decision: Decision
    summary: Summary
    narrative: list[str]
    fit: list[FitRow]
    cards: list[Card]
    low: list[Card]
    questions: list[QuestionGroup]
    vendor_answers: list[AnswerSection]
    client_answers: list[AnswerSection]
    pack: RulePack
    date: str
    valid_until: str


def assessment_report(
    *,
    organisation: str,
    vendor: Party,
    client: Party,
    title: str,
    status: str,
    reference: str,
    score: ScoreRead,
    engine: Engine,
    brand: Brand | None = None,
) -> AssessmentReport:
    computed = score.provenance.computed_at or datetime(1970, 1, 1)
    answers, environment = score.provenance.answers, score.provenance.client_environment
    brand = brand or Brand()
    made = cards(score, engine.pack)
    found = strengths(engine, score, client.name)
    return AssessmentReport(
        document=Document(
            title=f"{vendor.name}: AI vendor assessment for {client.name}",
            author=organisation,
            subject=f"Technical currency and integration risk of {vendor.name} for {client.name}",
            keywords="AI vendor assessment, technical currency, integration risk, stackvet",
            created=computed,
        ),
        organisation=organisation,
        brand=brand,
        vendor=vendor,
        client=client,
        title=title,
        status=status,
        reference=reference,
        score=score,
        gauges=gauges(score, engine.pack, size=130),
        decision=decide(score, vendor.name, client.name, made, found),
        summary=_summary(score, made, found, client.name),
        narrative=narrative(vendor.name, client.name, score),
        fit=fit_rows(engine.vendor, engine.client, answers, environment, score.findings),
        cards=[c for c in made if not c.condensed],
        low=[c for c in made if c.condensed],
        questions=vendor_questions(score, made),
        vendor_answers=answer_sections(engine.vendor, answers, "the vendor"),
        client_answers=answer_sections(engine.client, environment, "the agency"),
        pack=engine.pack,
        date=long_date(computed),
        valid_until=long_date(months_later(computed, brand.validity_months)),
    )


def _summary(score: ScoreRead, made: list[Card], found: list[Strength], client: str) -> Summary:
    severities = {s: sum(1 for c in made if c.severity is s) for s in SEVERITIES}
    lost = BAND_COLOURS["outdated"]
    return Summary(
        strengths=grouped(found, client),
        risks=[c for c in made if not c.condensed][:TOP_RISKS],
        charts={
            Dimension.TECHNICAL_CURRENCY: category_chart(score.technical_currency.categories, lost),
            Dimension.INTEGRATION_RISK: category_chart(score.integration_risk.categories, lost),
        },
        severities=severities,
        strip=severity_strip(severities),
    )


def gauges(score: ScoreRead, pack: RulePack, size: int = 180) -> dict[Dimension, Markup]:
    currency, risk = pack.thresholds.technical_currency, pack.thresholds.integration_risk
    return {
        Dimension.TECHNICAL_CURRENCY: gauge(
            score.technical_currency.score,
            Dimension.TECHNICAL_CURRENCY,
            (currency.lagging, currency.current),
            size,
        ),
        Dimension.INTEGRATION_RISK: gauge(
            score.integration_risk.score,
            Dimension.INTEGRATION_RISK,
            (risk.low, risk.moderate),
            size,
        ),
    }


def answer_sections(
    questionnaire: Questionnaire, answers: Mapping[str, Any], who: str
) -> list[AnswerSection]:
    """Every question that applies, by section, with its answer (or why there is none)."""
    visible = {q.id for q in resolve(questionnaire, answers)[0]}
    sections = []
    for section in questionnaire.sections:
        rows = tuple(
            _answer_row(question, answers.get(question.id), who)
            for question in section.questions
            if question.id in visible
        )
        if rows:
            sections.append(AnswerSection(section.title, rows))
    return sections


def _answer_row(question: Question, value: Any, who: str) -> AnswerRow:
    if value is None:
        return AnswerRow(question.label, "Not answered", "unanswered")
    if not is_known(value):
        return AnswerRow(question.label, f"Unknown: {who} did not know or would not say", "unknown")
    return AnswerRow(question.label, display(question, value), "answered")


def long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def months_later(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))
