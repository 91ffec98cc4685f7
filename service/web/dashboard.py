"""The dashboard: every assessment with its vendor, client, status, scores and bands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from service.assessments import service as assessment_service
from service.assessments.models import AssessmentStatus
from service.assessments.presenters import to_summary
from service.assessments.schemas import AssessmentSummary
from service.clients import service as client_service
from service.db import utcnow
from service.dependencies import DbSession
from service.vendors import service as vendor_service
from service.web.auth import SignedIn, signed_in_router
from service.web.listing import every
from service.web.pages import page

router = signed_in_router()

ANSWERING = frozenset({"draft", "changes_requested"})
"""States in which the respondent still owes answers, so a due date matters."""

Text = Annotated[str, Query(max_length=200)]


@dataclass(frozen=True)
class Filters:
    q: str
    status: AssessmentStatus | None
    client_id: uuid.UUID | None
    vendor_id: uuid.UUID | None

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.client_id or self.vendor_id)


def parse_filters(q: str, status: str, client: str, vendor: str) -> Filters:
    """Filters from the query string; a value that makes no sense is ignored, not an error."""
    statuses = {s.value: s for s in AssessmentStatus}
    return Filters(q.strip(), statuses.get(status), _uuid(client), _uuid(vendor))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@router.get("/")
def show_dashboard(
    request: Request,
    session: DbSession,
    user: SignedIn,
    q: Text = "",
    status: Text = "",
    client: Text = "",
    vendor: Text = "",
) -> HTMLResponse:
    """Assessments, most recently changed first, with filters and search."""
    filters = parse_filters(q, status, client, vendor)
    organisation_id = user.principal.organisation_id
    rows = every(
        lambda p: assessment_service.list_assessments(
            session,
            organisation_id,
            p,
            vendor_id=filters.vendor_id,
            client_id=filters.client_id,
            status=filters.status,
            search=filters.q or None,
        )
    )
    summaries = sorted((to_summary(r) for r in rows), key=lambda s: s.updated_at, reverse=True)
    today = utcnow().date()
    context = {
        "filters": filters,
        "assessments": summaries,
        "due": {s.id: note for s in summaries if (note := due_note(s, today)) is not None},
        "counts": _counts(summaries, today),
        "clients": sorted(
            every(lambda p: client_service.list_clients(session, organisation_id, p)),
            key=lambda c: c.name.lower(),
        ),
        "vendors": sorted(
            every(lambda p: vendor_service.list_vendors(session, organisation_id, p)),
            key=lambda v: v.name.lower(),
        ),
        "statuses": list(AssessmentStatus),
    }
    return page(request, session, user, "dashboard.html", context, nav="dashboard")


@dataclass(frozen=True)
class DueNote:
    text: str
    tone: str
    """`overdue`, `soon` (within a week) or `later`."""


def due_note(summary: AssessmentSummary, today: date) -> DueNote | None:
    """ "Due in 3 days", "Overdue by 2 days": only while answers are still owed."""
    if summary.due_on is None or summary.status.value not in ANSWERING:
        return None
    days = (summary.due_on - today).days
    when = f"{summary.due_on.day} {summary.due_on:%b %Y}"
    if days < 0:
        return DueNote(f"Overdue by {-days} day{'s' if days < -1 else ''} (due {when})", "overdue")
    if days == 0:
        return DueNote("Due today", "soon")
    return DueNote(
        f"Due in {days} day{'s' if days > 1 else ''} ({when})", "soon" if days <= 7 else "later"
    )


def _counts(summaries: list[AssessmentSummary], today: date) -> dict[str, int]:
    notes = [due_note(s, today) for s in summaries]
    return {
        "total": len(summaries),
        "overdue": sum(1 for n in notes if n and n.tone == "overdue"),
        "due_soon": sum(1 for n in notes if n and n.tone == "soon"),
        "draft": sum(1 for s in summaries if s.status is AssessmentStatus.DRAFT),
        "scored": sum(1 for s in summaries if s.score is not None),
        "recommended": sum(
            1 for s in summaries if s.score and s.score.recommendation == "recommended"
        ),
    }
