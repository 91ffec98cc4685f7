"""From stored assessments and score records to report HTML and readable file names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime

from service.assessments.models import Assessment
from service.clients.models import Client
from service.reporting.comparison import Entry, comparison_report
from service.reporting.render import render_html
from service.reporting.view import Brand, Party, assessment_report
from service.reviews.report import ReportReview
from service.scores import service as score_service
from service.scores.models import ScoreRecord
from service.scores.schemas import ScoreRead
from service.scoring.engine import Engine

PREVIEW_ASSETS = "/report-assets/"
"""Where the HTML previews load the stylesheet and fonts from (the PDF uses files)."""

HtmlMaker = Callable[[str], str]


def assessment_html(
    organisation: str,
    assessment: Assessment,
    record: ScoreRecord,
    assets: str,
    review: ReportReview | None = None,
    brand: Brand | None = None,
) -> str:
    engine = score_service.engine_for(record)
    view = assessment_report(
        organisation=organisation,
        vendor=Party(assessment.vendor.name, assessment.vendor.website),
        client=Party(assessment.client.name, assessment.client.description),
        title=assessment.title,
        status=assessment.status.value,
        reference=assessment.external_id or str(assessment.id),
        score=score_service.read_score(record),
        engine=engine,
        brand=brand,
    )
    return render_html("assessment.html.j2", {"r": view, "assets": assets, "review": review})


def comparison_html(
    organisation: str,
    client: Client,
    assessments: Sequence[Assessment],
    records: Sequence[ScoreRecord],
    assets: str,
    available: int | None = None,
) -> str:
    entries = []
    for assessment, record in zip(assessments, records, strict=True):
        engine = score_service.engine_for(record)
        entries.append(
            Entry(
                vendor=assessment.vendor.name,
                title=assessment.title,
                scored_on=record.computed_at,
                score=score_service.read_score(record, with_paths=False),
                pack=engine.pack,
                questionnaire=engine.vendor,
            )
        )
    view = comparison_report(organisation, client.name, entries, available or len(entries))
    return render_html("comparison.html.j2", {"r": view, "assets": assets})


def assessment_filename(vendor: str, client: str, scored_on: datetime) -> str:
    return safe_filename(f"{vendor} - {client} - assessment {scored_on.date().isoformat()}")


def comparison_filename(client: Client, records: Sequence[ScoreRecord]) -> str:
    day = max(r.computed_at for r in records).date().isoformat()
    return safe_filename(f"{client.name} - vendor comparison {day}")


def safe_filename(name: str) -> str:
    """Readable, and safe in any file system and in a Content-Disposition header."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", name)
    return re.sub(r"\s+", " ", cleaned).strip()[:150] or "report"


def ascii_filename(name: str) -> str:
    """The ASCII fallback for old clients (RFC 6266 `filename=`)."""
    decomposed = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9 ._()-]+", "_", decomposed) or "report"


def offline_assessment_html(
    *,
    organisation: str,
    vendor: str,
    client: str,
    score: ScoreRead,
    engine: Engine,
    scored_on: datetime,
    brand: Brand | None = None,
) -> str:
    """A report straight from answer files, without a database (the CLI, rule-pack authors)."""
    provenance = score.provenance.model_copy(update={"computed_at": scored_on})
    view = assessment_report(
        organisation=organisation,
        vendor=Party(vendor),
        client=Party(client),
        title=f"{vendor} for {client}",
        status="scored from files",
        reference="not stored",
        score=score.model_copy(update={"provenance": provenance}),
        engine=engine,
        brand=brand,
    )
    return render_html("assessment.html.j2", {"r": view, "assets": "", "review": None})
