"""What a report shows, as plain data for the templates (no database, no web framework).

Everything comes from the score record's own snapshot (answers, client environment, the
exact questionnaire and rule-pack versions), so a report is reproducible from what it was made
from, whatever has changed since.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from service.questionnaires.answers import display, resolve
from service.questionnaires.conditions import is_known
from service.questionnaires.schema import Question, Questionnaire
from service.reporting.fit import FitRow, fit_rows
from service.reporting.gauges import gauge
from service.reporting.narrative import summary
from service.scores.schemas import FindingRead, ScoreRead
from service.scoring.rules import Dimension, RulePack, Severity

SEVERITIES = tuple(reversed(Severity))  # critical first
DIMENSION_TITLES = {
    Dimension.TECHNICAL_CURRENCY: "Technical currency",
    Dimension.INTEGRATION_RISK: "Integration risk",
}


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
class SeverityGroup:
    severity: Severity
    findings: tuple[FindingRead, ...]


@dataclass(frozen=True)
class DimensionFindings:
    dimension: Dimension
    title: str
    groups: tuple[SeverityGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(g.findings) for g in self.groups)


@dataclass(frozen=True)
class Document:
    """PDF metadata; the date is the score's, never the time of rendering."""

    title: str
    author: str
    subject: str
    keywords: str
    created: datetime


@dataclass(frozen=True)
class AssessmentReport:
    document: Document
    organisation: str
    vendor: Party
    client: Party
    title: str
    status: str
    reference: str
    score: ScoreRead
    gauges: dict[Dimension, Markup]
    summary: list[str]
    fit: list[FitRow]
    findings: list[DimensionFindings]
    vendor_answers: list[AnswerSection]
    client_answers: list[AnswerSection]
    pack: RulePack
    date: str


def assessment_report(
    *,
    organisation: str,
    vendor: Party,
    client: Party,
    title: str,
    status: str,
    reference: str,
    score: ScoreRead,
    pack: RulePack,
    vendor_questionnaire: Questionnaire,
    client_questionnaire: Questionnaire,
) -> AssessmentReport:
    computed = score.provenance.computed_at or datetime(1970, 1, 1)
    answers, environment = score.provenance.answers, score.provenance.client_environment
    return AssessmentReport(
        document=Document(
            title=f"{vendor.name}: AI vendor assessment for {client.name}",
            author=organisation,
            subject=f"Technical currency and integration risk of {vendor.name} for {client.name}",
            keywords="AI vendor assessment, technical currency, integration risk, stackvet",
            created=computed,
        ),
        organisation=organisation,
        vendor=vendor,
        client=client,
        title=title,
        status=status,
        reference=reference,
        score=score,
        gauges=gauges(score, pack),
        summary=summary(vendor.name, client.name, score),
        fit=fit_rows(
            vendor_questionnaire, client_questionnaire, answers, environment, score.findings
        ),
        findings=group_findings(score.findings),
        vendor_answers=answer_sections(vendor_questionnaire, answers, "the vendor"),
        client_answers=answer_sections(client_questionnaire, environment, "the agency"),
        pack=pack,
        date=long_date(computed),
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


def group_findings(findings: list[FindingRead]) -> list[DimensionFindings]:
    grouped = []
    for dimension in Dimension:
        # Unverified findings are listed once per question under "To confirm", not as cards:
        # rules that only fire because one answer is unknown would contradict each other.
        mine = [f for f in findings if f.dimension is dimension and f.verified]
        groups = tuple(
            SeverityGroup(severity, tuple(f for f in mine if f.severity is severity))
            for severity in SEVERITIES
            if any(f.severity is severity for f in mine)
        )
        grouped.append(DimensionFindings(dimension, DIMENSION_TITLES[dimension], groups))
    return grouped


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
