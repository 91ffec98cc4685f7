"""Compare the scored vendors of one client side by side, with the comparison PDF."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from service.assessments import compare_choices
from service.assessments import service as assessment_service
from service.assessments.keyset import BadCursor, Cursor, decode
from service.assessments.models import Assessment
from service.clients import service as client_service
from service.dependencies import DbSession
from service.questionnaires.answers import display
from service.reporting.narrative import ranking_reason
from service.reporting.selection import MAX_COMPARED
from service.scores import service as score_service
from service.scores.models import ScoreRecord
from service.scores.schemas import ScoreRead
from service.scoring.rules import Severity
from service.web.auth import SignedIn, signed_in_router
from service.web.pages import page

router = signed_in_router()

KEY_FACTS = (
    "framework.primary",
    "framework.version",
    "serving.stack",
    "deployment.container_image",
    "deployment.kubernetes",
    "deployment.models",
    "hardware.gpu",
    "hardware.dedicated_server_required",
    "hf.hub_distribution",
    "hf.transformers_compatible",
    "hf.weight_formats",
    "hf.model_swappable",
)
_RANK = {
    "recommended": 0,
    "conditional": 1,
    "not_recommended": 2,
    "insufficient_information": 3,
}
SEVERITIES = [s for s in reversed(Severity) if s is not Severity.INFO]


@dataclass(frozen=True)
class Column:
    assessment: Assessment
    score: ScoreRead
    facts: dict[str, str]
    severities: Counter[str]
    reason: str

    @property
    def rank_key(self) -> tuple[int, int, int]:
        s = self.score
        return (_RANK[s.recommendation], s.integration_risk.score, -s.technical_currency.score)


@router.get("/compare")
def show_compare(
    request: Request,
    session: DbSession,
    user: SignedIn,
    q: Annotated[str, Query(max_length=200)] = "",
    cursor: Annotated[str, Query(max_length=1000)] = "",
) -> HTMLResponse:
    """Clients by name, 50 a page, with how many scored vendors each has to compare."""
    organisation_id = user.principal.organisation_id
    search = q.strip()
    start, stale_link = _client_cursor(cursor)
    found = compare_choices.clients_page(session, organisation_id, search, start)
    context = {
        "rows": found.rows,
        "q": search,
        "previous": _clients_link(search, found.previous),
        "next": _clients_link(search, found.next),
        "first": _clients_link(search, "") if start is not None else None,
        "stale_link": stale_link,
    }
    return page(request, session, user, "compare/index.html", context, nav="compare")


def _client_cursor(token: str) -> tuple[Cursor | None, bool]:
    if not token:
        return None, False
    try:
        cursor = decode(token, compare_choices.CLIENT_SORT, "text")
    except BadCursor:
        return None, True
    return (None, True) if cursor.key.value is None else (cursor, False)


def _clients_link(search: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = {k: v for k, v in (("q", search), ("cursor", cursor)) if v}
    return "/compare" + ("?" + urlencode(params) if params else "")


@router.get("/compare/{client_id}")
def show_comparison(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    user: SignedIn,
    assessment_id: Annotated[list[uuid.UUID] | None, Query()] = None,
) -> HTMLResponse:
    """The chosen (or each vendor's latest) scored assessments of a client, best fit first."""
    organisation_id = user.principal.organisation_id
    client = client_service.get_client(session, organisation_id, client_id)
    available = compare_choices.choices(session, organisation_id, client_id)
    wanted = list(dict.fromkeys(assessment_id or []))
    too_many = len(wanted) > MAX_COMPARED
    known = {c.id for c in available}
    if wanted and not too_many:
        chosen_ids = [i for i in wanted if i in known]
    else:
        chosen_ids = compare_choices.default_choice(available)
    chosen = compare_choices.compared(session, organisation_id, chosen_ids)
    records = compare_choices.latest_scores(session, chosen)
    columns = sorted(
        (_column(a, records[a.latest_score_id]) for a in chosen if a.latest_score_id in records),
        key=lambda c: c.rank_key,
    )
    questions = assessment_service.questionnaire_for(chosen[0]).questions if chosen else {}
    context = {
        "client": client,
        "scored": available,
        "vendor_count": compare_choices.vendors_available(available),
        "selected": {a.id for a in chosen},
        "columns": columns,
        "facts": [(q, questions[q].name) for q in KEY_FACTS if q in questions],
        "severities": SEVERITIES,
        "pdf_query": "&".join(f"assessment_id={c.assessment.id}" for c in columns),
        "too_many": len(wanted) if too_many else 0,
        "max_compared": MAX_COMPARED,
        "twins": _twins(columns),
    }
    return page(request, session, user, "compare/client.html", context, nav="compare")


def _twins(columns: list[Column]) -> set[str]:
    """Vendor names that appear in more than one column (told apart by title and date)."""
    names = Counter(c.assessment.vendor.name.casefold() for c in columns)
    return {name for name, count in names.items() if count > 1}


def _column(assessment: Assessment, record: ScoreRecord) -> Column:
    score = score_service.read_score(record, with_paths=False)
    questions = assessment_service.questionnaire_for(assessment).questions
    facts = {
        q: display(questions[q], score.provenance.answers.get(q))
        for q in KEY_FACTS
        if q in questions
    }
    severities = Counter(f.severity.value for f in score.findings)
    return Column(
        assessment, score, facts, severities, ranking_reason(assessment.vendor.name, score)
    )
