"""The dashboard list and an assessment's findings as tables (see `tables` for the formats)."""

from __future__ import annotations

from collections.abc import Sequence

from service.assessments.schemas import AssessmentSummary
from service.scores.schemas import FindingRead, ScoreRead
from service.scoring.rules import SEVERITY_ORDER
from service.spreadsheets.tables import Column, Table, Value

ASSESSMENT_COLUMNS = (
    Column("Assessment", 36),
    Column("Vendor", 24),
    Column("Client", 24),
    Column("Status", 12),
    Column("Questionnaire", 16),
    Column("Answered %", 12),
    Column("Required unanswered", 12),
    Column("Technical currency", 12),
    Column("Currency band", 14),
    Column("Integration risk", 12),
    Column("Risk band", 12),
    Column("Recommendation", 22),
    Column("Updated (UTC)", 20),
    Column("Submitted (UTC)", 20),
    Column("External id", 18),
    Column("Assessment id", 38),
)


def assessments_table(summaries: Sequence[AssessmentSummary]) -> Table:
    return Table("Assessments", ASSESSMENT_COLUMNS, [_assessment_row(s) for s in summaries])


def _assessment_row(s: AssessmentSummary) -> list[Value]:
    score = s.score
    return [
        s.title,
        s.vendor.name,
        s.client.name,
        s.status.value,
        f"{s.questionnaire.slug} {s.questionnaire.version}",
        s.progress.percent,
        s.progress.required_missing,
        score.technical_currency.score if score else None,
        score.technical_currency.band if score else None,
        score.integration_risk.score if score else None,
        score.integration_risk.band if score else None,
        str(score.recommendation).replace("_", " ") if score else None,
        s.updated_at,
        s.submitted_at,
        s.external_id,
        str(s.id),
    ]


FINDING_COLUMNS = (
    Column("Severity", 10),
    Column("Finding", 40),
    Column("Dimension", 18),
    Column("Category", 18),
    Column("Points", 8),
    Column("Confirmed", 10),
    Column("Evidence", 44),
    Column("Why it matters", 60),
    Column("What to require", 60),
    Column("Questions to ask the vendor", 60),
    Column("Rule", 28),
    Column("Root finding", 28),
)


def findings_table(score: ScoreRead) -> Table:
    ordered = sorted(
        score.findings, key=lambda f: (-SEVERITY_ORDER[f.severity], -f.points, f.rule_id)
    )
    return Table("Findings", FINDING_COLUMNS, [_finding_row(f) for f in ordered])


def _finding_row(f: FindingRead) -> list[Value]:
    evidence = "; ".join(f"{e.label}: {e.value_label}" for e in f.evidence)
    return [
        f.severity.value,
        f.title,
        f.dimension.value.replace("_", " "),
        f.category.replace("_", " "),
        f.points,
        f.verified,
        evidence,
        f.rationale,
        f.recommendation,
        "\n".join(f.follow_up),
        f.rule_id,
        f.root or f.rule_id,
    ]
