"""Event types and the payloads a CRM receives: everything it needs without a second call."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from service.assessments.models import Assessment
from service.scores.models import ScoreRecord


class EventType(StrEnum):
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_SCORED = "assessment.scored"
    ASSESSMENT_RESCORED = "assessment.rescored"
    REPORT_READY = "report.ready"
    ASSESSMENT_UPGRADED = "assessment.upgraded"


EVENT_DESCRIPTIONS = {
    EventType.ASSESSMENT_SUBMITTED: "An assessment's answers were submitted (and locked).",
    EventType.ASSESSMENT_SCORED: "A submitted assessment was scored.",
    EventType.ASSESSMENT_RESCORED: "An assessment got a new score after the rules changed.",
    EventType.REPORT_READY: "An assessment's PDF report was rendered and can be downloaded.",
    EventType.ASSESSMENT_UPGRADED: (
        "A draft moved to a newer questionnaire version; `data.upgrade` lists dropped answers."
    ),
}


def assessment_data(
    assessment: Assessment, record: ScoreRecord | None, public_url: str
) -> dict[str, Any]:
    """The `data` of every assessment event."""
    base = public_url.rstrip("/")
    data: dict[str, Any] = {
        "assessment": {
            "id": str(assessment.id),
            "external_id": assessment.external_id,
            "title": assessment.title,
            "status": assessment.status.value,
            "revision": assessment.revision,
            "url": f"{base}/api/v1/assessments/{assessment.id}",
        },
        "vendor": _party(
            assessment.vendor.id, assessment.vendor.external_id, assessment.vendor.name
        ),
        "client": _party(
            assessment.client.id, assessment.client.external_id, assessment.client.name
        ),
        "score": None,
        "report_url": None,
    }
    if record is not None:
        data["score"] = {
            "sequence": record.sequence,
            "technical_currency": {
                "score": record.technical_currency,
                "band": record.currency_band,
            },
            "integration_risk": {"score": record.integration_risk, "band": record.risk_band},
            "recommendation": record.recommendation,
            "completeness": record.completeness,
            "computed_at": record.computed_at.isoformat(),
        }
        data["report_url"] = f"{base}/api/v1/assessments/{assessment.id}/report.pdf"
    return data


def _party(party_id: Any, external_id: str | None, name: str) -> dict[str, Any]:
    return {"id": str(party_id), "external_id": external_id, "name": name}
