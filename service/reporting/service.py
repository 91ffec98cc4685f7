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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus
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
from service.reporting.render import RenderError, template_version
from service.reporting.selection import Selection, check_count, default_selection
from service.scores import service as score_service
from service.scores.models import ScoreRecord
from service.scoring.library import Library
from service.vendors.models import Vendor

logger = logging.getLogger(__name__)

Format = Literal["pdf", "html"]
Images = Mapping[str, tuple[bytes, str]]
PDF = "application/pdf"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Report:
    content: bytes
    media_type: str
    filename: str
    etag: str


def assessment_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    assessment_id: uuid.UUID,
    fmt: Format,
) -> Report:
    facts = _report_facts(session, organisation_id, assessment_id)
    key = _key("assessment", *facts.key_parts)
    if fmt == "pdf" and (stored := _stored(session, key)) is not None:
        return Report(stored.content, PDF, facts.filename + ".pdf", stored.etag)
    assessment = assessment_service.get_assessment(session, organisation_id, assessment_id)
    record = score_service.latest_score(session, assessment)
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
            branding_service.brand(branding, preview=bool(assets)),
        ),
        branding_service.renderer_images(branding),
    )


@dataclass(frozen=True)
class _Facts:
    organisation: str
    filename: str
    key_parts: tuple[str, ...]


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
    (
        status,
        revision,
        score_id,
        organisation,
        vendor,
        vendor_at,
        client,
        client_at,
        scored,
        brand_at,
    ) = row
    if status is AssessmentStatus.DRAFT or score_id is None:
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
            brand_at.isoformat() if brand_at else "no branding",
        ),
    )


def comparison_report(
    session: Session,
    library: Library,
    organisation_id: uuid.UUID,
    client_id: uuid.UUID,
    assessment_ids: Sequence[uuid.UUID] | None,
    fmt: Format,
) -> Report:
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
    )


def _require_scored(assessment: Assessment) -> None:
    if assessment.status is AssessmentStatus.DRAFT or assessment.latest_score_id is None:
        raise _draft(assessment.id)


def _draft(assessment_id: uuid.UUID) -> Conflict:
    return Conflict(
        f"Assessment {assessment_id} is a draft: reports are made from scored assessments. "
        "Submit it (all required questions answered) to score it first."
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
    images: Images | None = None,
) -> Report:
    if fmt == "html":
        html = html_for(documents.PREVIEW_ASSETS).encode()
        return Report(html, HTML, filename + ".html", _etag(html))
    stored = _stored(session, key) or _render_and_store(
        session, organisation_id, kind, key, html_for(""), images
    )
    return Report(stored.content, PDF, filename + ".pdf", stored.etag)


def _stored(session: Session, key: str) -> RenderedReport | None:
    return session.scalar(select(RenderedReport).where(RenderedReport.cache_key == key))


def _render_and_store(
    session: Session,
    organisation_id: uuid.UUID,
    kind: str,
    key: str,
    html: str,
    images: Images | None = None,
) -> RenderedReport:
    started = time.perf_counter()
    try:
        pdf = default_pool().render(html, images)
    except RenderError as exc:
        metrics.RENDER_FAILURES.labels(kind).inc()
        logger.error("%s report %s failed to render: %s", kind, key[:12], exc)
        raise RenderFailed(
            f"The {kind} report could not be rendered: {exc}. Nothing was stored; try again, "
            "and contact support with the request id if it keeps failing."
        ) from exc
    row = RenderedReport(
        organisation_id=organisation_id,
        kind=kind,
        cache_key=key,
        content=pdf.content,
        etag=_etag(pdf.content),
        page_count=pdf.pages,
        render_ms=round((time.perf_counter() - started) * 1000),
    )
    metrics.RENDER_SECONDS.labels(kind).observe(time.perf_counter() - started)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Rendered at the same moment by another request or the worker: same bytes, keep theirs.
        existing = _stored(session, key)
        assert existing is not None
        return existing
    return row


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
