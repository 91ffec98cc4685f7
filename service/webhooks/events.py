"""Event types and the payloads a CRM receives: everything it needs without a second call."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from service.assessments.models import Assessment
from service.clients.models import Client
from service.scores.models import ScoreRecord
from service.vendors.models import Vendor


class EventType(StrEnum):
    ASSESSMENT_SUBMITTED = "assessment.submitted"
    ASSESSMENT_SCORED = "assessment.scored"
    ASSESSMENT_RESCORED = "assessment.rescored"
    REPORT_READY = "report.ready"
    ASSESSMENT_UPGRADED = "assessment.upgraded"
    ASSESSMENT_CREATED = "assessment.created"
    ASSESSMENT_REOPENED = "assessment.reopened"
    ASSESSMENT_CHANGES_REQUESTED = "assessment.changes_requested"
    ASSESSMENT_APPROVED = "assessment.approved"
    ASSESSMENT_DELETED = "assessment.deleted"
    ASSESSMENT_RESTORED = "assessment.restored"
    VENDOR_CREATED = "vendor.created"
    VENDOR_UPDATED = "vendor.updated"
    VENDOR_DELETED = "vendor.deleted"
    CLIENT_CREATED = "client.created"
    CLIENT_UPDATED = "client.updated"
    CLIENT_DELETED = "client.deleted"


PING = "ping"
"""Sent to one endpoint on request (`POST /api/v1/webhooks/{id}/ping`); not subscribable."""


EVENT_DESCRIPTIONS = {
    EventType.ASSESSMENT_SUBMITTED: (
        "An assessment's answers were submitted (or resubmitted) for review, and locked."
    ),
    EventType.ASSESSMENT_SCORED: (
        "A submitted assessment got its preview score (the reviewer has not approved it yet)."
    ),
    EventType.ASSESSMENT_RESCORED: "An assessment got a new score after the rules changed.",
    EventType.REPORT_READY: "An assessment's PDF report was rendered and can be downloaded.",
    EventType.ASSESSMENT_UPGRADED: (
        "A draft moved to a newer questionnaire version; `data.upgrade` lists dropped answers."
    ),
    EventType.ASSESSMENT_CREATED: "An assessment was created (as a draft).",
    EventType.ASSESSMENT_REOPENED: (
        "A submitted assessment went back to draft; an approved one started a new version "
        "(`data.assessment` is the new version, `data.previous_version` the approved one)."
    ),
    EventType.ASSESSMENT_CHANGES_REQUESTED: (
        "A reviewer sent the assessment back; `data.transition.requests` names the questions."
    ),
    EventType.ASSESSMENT_APPROVED: (
        "A reviewer approved the assessment (`data.assessment.conditions`); the report is "
        "published and `report.ready` follows."
    ),
    EventType.ASSESSMENT_DELETED: "An assessment was deleted (restorable for 30 days).",
    EventType.ASSESSMENT_RESTORED: "A deleted assessment was restored.",
    EventType.VENDOR_CREATED: "A vendor was created.",
    EventType.VENDOR_UPDATED: "A vendor was changed or restored.",
    EventType.VENDOR_DELETED: "A vendor was deleted (restorable for 30 days).",
    EventType.CLIENT_CREATED: "A client was created.",
    EventType.CLIENT_UPDATED: "A client (or its environment profile) was changed or restored.",
    EventType.CLIENT_DELETED: "A client was deleted (restorable for 30 days).",
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
            "version": assessment.version,
            "series_id": str(assessment.series_id),
            "conditions": list(assessment.conditions),
            "deleted": assessment.deleted_at is not None,
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


def vendor_data(vendor: Vendor, public_url: str) -> dict[str, Any]:
    """The `data` of every vendor event: the vendor as the API reads it."""
    return {
        "vendor": {
            **_party(vendor.id, vendor.external_id, vendor.name),
            "website": vendor.website,
            "deleted": vendor.deleted_at is not None,
            "url": f"{public_url.rstrip('/')}/api/v1/vendors/{vendor.id}",
        }
    }


def client_data(client: Client, public_url: str) -> dict[str, Any]:
    """The `data` of every client event, with the environment profile's answers."""
    return {
        "client": {
            **_party(client.id, client.external_id, client.name),
            "environment": client.environment,
            "deleted": client.deleted_at is not None,
            "url": f"{public_url.rstrip('/')}/api/v1/clients/{client.id}",
        }
    }
