"""Reports of stored assessments: made once, stored, and served again byte for byte.

A PDF is stored under a key made of everything it was made from: the score record(s), the
assessment revision(s), the vendor's and client's last change, the organisation's name and
the template version. The same key always gives the same bytes, so a repeated download, or
a download after the worker pre-rendered the report, serves the stored PDF.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import EDITABLE, Assessment, AssessmentStatus
from service.auth import service as auth_service
from service.auth.models import Organisation
from service.branding import service as branding_service
from service.branding.models import Branding
from service.clients import service as client_service
from service.clients.models import Client
from service.errors import Conflict, InvalidInput, NotFound, RenderFailed
from service.observability import metrics
from service.reporting import documents
from service.reporting.models import RenderedReport
from service.reporting.pool import default_pool
from service.reporting.render import RenderedPdf, RenderError, template_version
from service.reporting.selection import Selection, check_count, default_selection
from service.reviews.report import review_for_report
from service.scores import service as score_service
from service.scores.models import ScoreRecord
from service.scoring.library import Library
from service.vendors.models import Vendor

logger = logging.getLogger(__name__)

Format = Literal["pdf", "html"]
Admission = Callable[[], None] | None
Images = Mapping[str, tuple[bytes, str]]
PDF = "application/pdf"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Report:
    content: bytes
    media_type: str
    filename: str
    etag: str


@dataclass(frozen=True)
class Pending:
    """A PDF still to render: everything the render and the store need, no database rows, so
    the request can give its connection back while it waits for a render worker."""

    organisation_id: uuid.UUID
    kind: str
    key: str
    filename: str
    html: str
    publish: uuid.UUID | None = None
    """The approved assessment whose published report this becomes (pinned when stored)."""
    images: Images | None = None
    """Bytes the renderer may load besides its bundled assets (the organisation's logo)."""


@dataclass(frozen=True)
class Rendered:
    pdf: RenderedPdf
    milliseconds: int


def assessment_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    fmt: Format,
) -> Report:
    """The report, rendered here if need be (the worker and the CLI: no one is waiting)."""
    prepared = prepare_assessment_report(session, library, organisation_id, assessment_id, fmt)
    return complete(session, prepared)


def complete(session: Session, prepared: Report | Pending) -> Report:
    if isinstance(prepared, Report):
        return prepared
    return store(session, prepared, render(prepared))


def prepare_assessment_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    fmt: Format,
    admit: Admission = None,
) -> Report | Pending:
    """The stored report (or the HTML preview), or what to render to make it; `admit` takes
    the render's place in the queue, or refuses it (a full queue), before anything else is
    loaded: under a burst of downloads, loading the assessment and its score for a download
    then refused took a third of the API process's time.

    An approved version's PDF is pinned at its first rendering and served as is from then on
    (a published report never changes; reopening makes a new version). Before approval the
    report is a preview for the agency, made like any other.
    """
    facts = _report_facts(session, organisation_id, assessment_id)
    if fmt == "pdf" and facts.published is not None:
        pinned = session.get(RenderedReport, facts.published)
        if pinned is not None:
            return Report(pinned.content, PDF, facts.filename + ".pdf", pinned.etag)
    key = _key("assessment", *facts.key_parts)
    publish = assessment_id if facts.approved else None
    if fmt == "pdf":
        if (stored := _stored(session, key)) is not None:
            _pin(session, publish, stored)
            return Report(stored.content, PDF, facts.filename + ".pdf", stored.etag)
        if admit is not None:
            admit()  # before loading the assessment and its score: a refusal costs nothing
    assessment = assessment_service.get_assessment(session, organisation_id, assessment_id)
    record = score_service.latest_score(session, assessment)
    review = review_for_report(session, assessment)
    branding = branding_service.get_branding(session, organisation_id)
    return _produce(
        session,
        organisation_id,
        "assessment",
        key,
        facts.filename,
        fmt,
        lambda assets: documents.assessment_html(
            facts.organisation,
            assessment,
            record,
            assets,
            review,
            branding_service.brand(branding, preview=bool(assets)),
        ),
        None,  # admitted above
        publish,
        branding_service.renderer_images(branding),
    )


def _pin(session: Session, publish: uuid.UUID | None, stored: RenderedReport) -> None:
    """Make a stored PDF the approved assessment's published report, unless one is already."""
    if publish is not None:
        session.execute(
            update(Assessment)
            .where(Assessment.id == publish, Assessment.published_report_id.is_(None))
            .values(published_report_id=stored.id)
        )


@dataclass(frozen=True)
class _Facts:
    organisation: str
    filename: str
    key_parts: tuple[str, ...]
    approved: bool
    published: uuid.UUID | None


def _report_facts(session: Session, organisation_id: uuid.UUID, assessment_id: uuid.UUID) -> _Facts:
    """What the stored PDF is keyed by, in one query: the cached path reads nothing else."""
    query = (
        select(
            Assessment.status,
            Assessment.revision,
            Assessment.latest_score_id,
            Organisation.name,
            Vendor.name,
            Vendor.updated_at,
            Client.name,
            Client.updated_at,
            ScoreRecord.computed_at,
            Assessment.approved_at,
            Assessment.published_report_id,
            Branding.updated_at,
        )
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .join(Vendor, Vendor.id == Assessment.vendor_id)
        .join(Client, Client.id == Assessment.client_id)
        .outerjoin(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
        .outerjoin(Branding, Branding.organisation_id == Assessment.organisation_id)
        .where(Assessment.id == assessment_id, Assessment.organisation_id == organisation_id)
    )
    row = session.execute(query).one_or_none()
    if row is None:
        raise NotFound(f"There is no assessment {assessment_id}.")
    (status, revision, score_id, organisation, vendor, vendor_at, client, client_at, scored) = row[
        :9
    ]
    approved_at, published, brand_at = row[9:]
    if status in EDITABLE or score_id is None:
        raise _draft(assessment_id)
    return _Facts(
        organisation=organisation,
        filename=documents.safe_filename(
            f"{vendor} - {client} - assessment {scored.date().isoformat()}"
        ),
        key_parts=(
            organisation,
            str(score_id),
            str(revision),
            vendor_at.isoformat(),
            client_at.isoformat(),
            approved_at.isoformat() if approved_at else "preview",
            brand_at.isoformat() if brand_at else "no branding",
        ),
        approved=status is AssessmentStatus.APPROVED,
        published=published,
    )


def comparison_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    client_id: uuid.UUID,
    assessment_ids: Sequence[uuid.UUID] | None,
    fmt: Format,
) -> Report:
    prepared = prepare_comparison_report(
        session, library, organisation_id, client_id, assessment_ids, fmt
    )
    return complete(session, prepared)


def prepare_comparison_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    client_id: uuid.UUID,
    assessment_ids: Sequence[uuid.UUID] | None,
    fmt: Format,
    admit: Admission = None,
) -> Report | Pending:
    client = client_service.get_client(session, organisation_id, client_id)
    selection = _compared(session, organisation_id, client_id, assessment_ids)
    chosen = selection.chosen
    records = [score_service.latest_score(session, a) for a in chosen]
    organisation = auth_service.get_organisation(session, organisation_id).name
    key = _key(
        "comparison",
        organisation,
        client.updated_at.isoformat(),
        str(selection.available),
        *sorted(
            f"{r.id}:{a.revision}:{a.vendor.updated_at.isoformat()}"
            for a, r in zip(chosen, records, strict=True)
        ),
    )
    return _produce(
        session,
        organisation_id,
        "comparison",
        key,
        documents.comparison_filename(client, records),
        fmt,
        lambda assets: documents.comparison_html(
            organisation, client, chosen, records, assets, selection.available
        ),
        admit,
    )


def _require_scored(assessment: Assessment) -> None:
    if assessment.status in EDITABLE or assessment.latest_score_id is None:
        raise _draft(assessment.id)


def _draft(assessment_id: uuid.UUID) -> Conflict:
    return Conflict(
        f"Assessment {assessment_id} is a draft (or back with the respondent): reports are made "
        "from submitted assessments. Submit it (all required questions answered) first."
    )


def _compared(
    session: Session,
    organisation_id: uuid.UUID,
    client_id: uuid.UUID,
    assessment_ids: Sequence[uuid.UUID] | None,
) -> Selection:
    if assessment_ids:
        ids = check_count(assessment_ids)
        chosen = [assessment_service.get_assessment(session, organisation_id, i) for i in ids]
        wrong = [a for a in chosen if a.client_id != client_id]
        if wrong:
            raise InvalidInput(
                "Every assessment compared must be of this client.",
                errors=[
                    {"field": "query.assessment_id", "message": f"{a.id} is of another client"}
                    for a in wrong
                ],
            )
        for assessment in chosen:
            _require_scored(assessment)
        return Selection(chosen, len(chosen))
    scored = assessment_service.scored_for_client(session, organisation_id, client_id)
    if not scored:
        raise Conflict(
            "This client has no scored assessments yet: submit at least one to compare vendors."
        )
    return default_selection(scored)


def _key(kind: str, *parts: str) -> str:
    material = "\x1f".join((kind, template_version(), *parts))
    return hashlib.sha256(material.encode()).hexdigest()


def _produce(
    session: Session,
    organisation_id: uuid.UUID,
    kind: str,
    key: str,
    filename: str,
    fmt: Format,
    html_for: documents.HtmlMaker,
    admit: Admission = None,
    publish: uuid.UUID | None = None,
    images: Images | None = None,
) -> Report | Pending:
    if fmt == "html":
        html = html_for(documents.PREVIEW_ASSETS).encode()
        return Report(html, HTML, filename + ".html", _etag(html))
    stored = _stored(session, key)
    if stored is not None:
        _pin(session, publish, stored)
        return Report(stored.content, PDF, filename + ".pdf", stored.etag)
    if admit is not None:
        admit()
    return Pending(organisation_id, kind, key, filename, html_for(""), publish, images)


def _stored(session: Session, key: str) -> RenderedReport | None:
    return session.scalar(select(RenderedReport).where(RenderedReport.cache_key == key))


def render(pending: Pending) -> Rendered:
    """Render in a worker process (no database connection is needed or held here)."""
    started = time.perf_counter()
    try:
        pdf = default_pool().render(pending.html, pending.images)
    except RenderError as exc:
        metrics.RENDER_FAILURES.labels(pending.kind).inc()
        logger.error("%s report %s failed to render: %s", pending.kind, pending.key[:12], exc)
        raise RenderFailed(
            f"The {pending.kind} report could not be rendered: {exc}. Nothing was stored; try "
            "again, and contact support with the request id if it keeps failing."
        ) from exc
    metrics.RENDER_SECONDS.labels(pending.kind).observe(time.perf_counter() - started)
    return Rendered(pdf, round((time.perf_counter() - started) * 1000))


def store(session: Session, pending: Pending, rendered: Rendered) -> Report:
    row = RenderedReport(
        organisation_id=pending.organisation_id,
        kind=pending.kind,
        cache_key=pending.key,
        content=rendered.pdf.content,
        etag=_etag(rendered.pdf.content),
        page_count=rendered.pdf.pages,
        render_ms=rendered.milliseconds,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Rendered at the same moment by another request or the worker: same bytes, keep theirs.
        existing = _stored(session, pending.key)
        assert existing is not None
        row = existing
    _pin(session, pending.publish, row)
    return Report(row.content, PDF, pending.filename + ".pdf", row.etag)


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
