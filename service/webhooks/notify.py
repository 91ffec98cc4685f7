"""What happens when an assessment is submitted, scored, re-scored, upgraded or its report is
ready, and when vendors, clients and assessments are created, changed or deleted: events in
the outbox, and the report pre-rendering job, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.clients.models import Client
from service.config import get_settings
from service.jobs import service as job_service
from service.scores.models import ScoreRecord
from service.vendors.models import Vendor
from service.webhooks.events import EventType, assessment_data, client_data, vendor_data
from service.webhooks.models import WebhookEndpoint
from service.webhooks.service import record_event


def submitted_and_scored(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    public_url = get_settings().public_url
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_SUBMITTED,
        assessment_data(assessment, None, public_url),
    )
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_SCORED,
        assessment_data(assessment, record, public_url),
    )


def transitioned(
    session: Session,
    assessment: Assessment,
    event_type: EventType,
    reason: str | None,
    *,
    previous: Assessment | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """A review transition: the state, the version, the reason (and what else it carries).

    `previous`: the approved version a reopen started this one from.
    """
    public_url = get_settings().public_url
    data = assessment_data(assessment, None, public_url)
    data["transition"] = {"status": assessment.status.value, "reason": reason, **(extra or {})}
    if previous is not None:
        earlier = assessment_data(previous, None, public_url)["assessment"]
        earlier["report_url"] = f"{earlier['url']}/report.pdf"
        data["previous_version"] = earlier
    record_event(session, assessment.organisation_id, event_type, data)


def approved(
    session: Session, assessment: Assessment, record: ScoreRecord, reason: str | None
) -> None:
    """assessment.approved, and the job that renders (and so publishes) the report."""
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_APPROVED,
        {
            **assessment_data(assessment, record, get_settings().public_url),
            "transition": {"status": assessment.status.value, "reason": reason},
        },
    )
    _prerender(session, assessment, record)


def _prerender(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    job_service.enqueue(
        session,
        job_service.PRERENDER_REPORT,
        {
            "organisation_id": str(assessment.organisation_id),
            "assessment_id": str(assessment.id),
            "score_id": str(record.id),
        },
    )


def rescored(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_RESCORED,
        assessment_data(assessment, record, get_settings().public_url),
    )


def upgraded(session: Session, assessment: Assessment, upgrade: dict[str, Any]) -> None:
    """`upgrade`: the versions it moved between and the question ids of dropped answers."""
    data = assessment_data(assessment, None, get_settings().public_url)
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_UPGRADED,
        {**data, "upgrade": upgrade},
    )


def report_ready(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    record_event(
        session,
        assessment.organisation_id,
        EventType.REPORT_READY,
        assessment_data(assessment, record, get_settings().public_url),
    )


def assessment_changed(session: Session, assessment: Assessment, event_type: EventType) -> None:
    """assessment.created, .reopened or .deleted."""
    record_event(
        session,
        assessment.organisation_id,
        event_type,
        assessment_data(assessment, None, get_settings().public_url),
    )


def vendor_changed(
    session: Session,
    vendor: Vendor,
    event_type: EventType,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> None:
    """vendor.created, .updated or .deleted; `endpoints` when recording a batch."""
    data = vendor_data(vendor, get_settings().public_url)
    record_event(session, vendor.organisation_id, event_type, data, endpoints=endpoints)


def client_changed(
    session: Session,
    client: Client,
    event_type: EventType,
    endpoints: Sequence[WebhookEndpoint] | None = None,
) -> None:
    """client.created, .updated or .deleted; `endpoints` when recording a batch."""
    data = client_data(client, get_settings().public_url)
    record_event(session, client.organisation_id, event_type, data, endpoints=endpoints)
