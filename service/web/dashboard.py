"""The dashboard: a page of 50 assessments at a time, sortable, filtered, with SQL counts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from service.assessments import overview
from service.assessments.keyset import BadCursor, Cursor, decode
from service.assessments.models import AssessmentStatus
from service.assessments.overview import Criteria, Sort
from service.clients.models import Client
from service.db import utcnow
from service.dependencies import DbSession
from service.vendors.models import Vendor
from service.web.auth import SignedIn, signed_in_router
from service.web.dashboard_parties import PartyFilter, resolve_party
from service.web.pages import page

router = signed_in_router()

Text = Annotated[str, Query(max_length=200)]
Token = Annotated[str, Query(max_length=1000)]

COLUMNS: tuple[tuple[str, Sort | None], ...] = (
    ("Assessment", Sort.TITLE),
    ("Client", Sort.CLIENT),
    ("Status", Sort.STATUS),
    ("Technical currency", Sort.CURRENCY),
    ("Integration risk", Sort.RISK),
    ("Recommendation", None),
    ("Updated", Sort.UPDATED),
)
"""Table headers that sort; the "Sort by" field also offers vendor and due date."""
SORT_LABELS = {
    Sort.UPDATED: "Last change",
    Sort.TITLE: "Title",
    Sort.VENDOR: "Vendor",
    Sort.CLIENT: "Client",
    Sort.STATUS: "Status",
    Sort.DUE: "Due date",
    Sort.CURRENCY: "Technical currency",
    Sort.RISK: "Integration risk",
}


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


@dataclass(frozen=True)
class Ordering:
    sort: Sort
    descending: bool

    @classmethod
    def parse(cls, sort: str, direction: str) -> Ordering:
        """A sort the page does not know is the default (newest change first), not an error."""
        chosen = Sort(sort) if sort in Sort.__members__.values() else Sort.UPDATED
        if direction in ("asc", "desc"):
            return cls(chosen, direction == "desc")
        return cls(chosen, chosen in overview.NEWEST_FIRST)

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"

    def toggled(self, sort: Sort) -> Ordering:
        """What a click on `sort`'s header shows: the other way round if it is already on."""
        if sort is self.sort:
            return Ordering(sort, not self.descending)
        return Ordering(sort, sort in overview.NEWEST_FIRST)


@router.get("/")
def show_dashboard(
    request: Request,
    session: DbSession,
    user: SignedIn,
    q: Text = "",
    status: Text = "",
    client: Text = "",
    vendor: Text = "",
    sort: Text = "",
    dir: Text = "",
    cursor: Token = "",
) -> HTMLResponse:
    """Assessments, 50 a page, most recently changed first unless sorted otherwise."""
    organisation_id = user.principal.organisation_id
    ordering = Ordering.parse(sort, dir)
    clients = resolve_party(session, organisation_id, Client, client.strip(), "client")
    vendors = resolve_party(session, organisation_id, Vendor, vendor.strip(), "vendor")
    filters = parse_filters(q, status, "", "")
    criteria = Criteria(
        q=filters.q,
        status=filters.status,
        client_id=clients.id,
        vendor_id=vendors.id,
        nothing=clients.nothing or vendors.nothing,
    )
    criteria = overview.searched(session, organisation_id, criteria)
    start, stale_link = _cursor(cursor, ordering)
    found = overview.page_of(
        session, organisation_id, criteria, ordering.sort, ordering.descending, start
    )
    today = utcnow().date()
    links = Links(filters, clients, vendors, ordering)
    context = {
        "filters": filters,
        "active": filters.active or bool(client.strip() or vendor.strip()),
        "clients": clients,
        "vendors": vendors,
        "rows": found.rows,
        "due": {r.id: note for r in found.rows if (note := due_note(r, today)) is not None},
        "counts": overview.counts(session, organisation_id, criteria, today),
        "statuses": list(AssessmentStatus),
        "ordering": ordering,
        "columns": COLUMNS,
        "sort_labels": SORT_LABELS,
        "links": links,
        "previous": links.page(found.previous),
        "next": links.page(found.next),
        "paged": start is not None,
        "stale_link": stale_link,
    }
    return page(request, session, user, "dashboard.html", context, nav="dashboard")


def _cursor(token: str, ordering: Ordering) -> tuple[Cursor | None, bool]:
    """The page link's cursor; (None, True) when the link is not valid for this sort."""
    if not token:
        return None, False
    order = overview.order_for(ordering.sort, ordering.descending)
    try:
        cursor = decode(token, ordering.sort.value, order.kind)
    except BadCursor:
        return None, True
    value = cursor.key.value
    if value is None and not order.nullable:
        return None, True
    if ordering.sort is Sort.STATUS and value not in set(AssessmentStatus):
        return None, True
    return cursor, False


@dataclass(frozen=True)
class Links:
    """Addresses that keep the filters (and, for pages, the sort) of the page shown."""

    filters: Filters
    clients: PartyFilter
    vendors: PartyFilter
    ordering: Ordering

    def _filter_params(self) -> dict[str, str]:
        params = {
            "q": self.filters.q,
            "status": self.filters.status.value if self.filters.status else "",
            "client": str(self.clients.id) if self.clients.id else self.clients.text,
            "vendor": str(self.vendors.id) if self.vendors.id else self.vendors.text,
        }
        return {k: v for k, v in params.items() if v}

    def _href(self, params: dict[str, str]) -> str:
        return "/?" + urlencode(params) if params else "/"

    def sorted_by(self, sort: Sort) -> str:
        toggled = self.ordering.toggled(sort)
        return self._href(
            {**self._filter_params(), "sort": toggled.sort.value, "dir": toggled.direction}
        )

    def page(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return self._href({**self._sort_params(), "cursor": cursor})

    def first(self) -> str:
        return self._href(self._sort_params())

    def _sort_params(self) -> dict[str, str]:
        params = self._filter_params()
        if self.ordering != Ordering.parse("", ""):
            params |= {"sort": self.ordering.sort.value, "dir": self.ordering.direction}
        return params

    def export(self, fmt: str) -> str:
        """The CSV or Excel download of the rows these filters keep (by client and vendor id)."""
        params = {k: v for k, v in self._filter_params().items() if k in ("q", "status")}
        for key, chosen in (("client", self.clients), ("vendor", self.vendors)):
            if chosen.id:
                params[key] = str(chosen.id)
        return f"/assessments.{fmt}" + ("?" + urlencode(params) if params else "")


@dataclass(frozen=True)
class DueNote:
    text: str
    tone: str
    """`overdue`, `soon` (within a week) or `later`."""


def due_note(row: overview.Row, today: date) -> DueNote | None:
    """ "Due in 3 days", "Overdue by 2 days": only while answers are still owed."""
    if row.due_on is None or row.status not in overview.ANSWERING:
        return None
    days = (row.due_on - today).days
    when = f"{row.due_on.day} {row.due_on:%b %Y}"
    if days < 0:
        return DueNote(f"Overdue by {-days} day{'s' if days < -1 else ''} (due {when})", "overdue")
    if days == 0:
        return DueNote("Due today", "soon")
    return DueNote(
        f"Due in {days} day{'s' if days > 1 else ''} ({when})", "soon" if days <= 7 else "later"
    )
