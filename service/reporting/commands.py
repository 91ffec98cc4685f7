"""`stackvet report`: a report of a stored assessment, or straight from answer files."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click
from pydantic import ValidationError
from sqlalchemy import select

from service.assessments.models import Assessment
from service.branding import logo as logos
from service.branding.schemas import BrandingUpdate
from service.config import get_settings
from service.db import create_db_engine, create_session_factory
from service.errors import ServiceError
from service.questionnaires.catalog import Catalog
from service.reporting import documents
from service.reporting import service as report_service
from service.reporting.pool import shutdown_default_pool
from service.reporting.view import Brand
from service.scores.commands import score_files
from service.scoring.library import Library

Definitions = Callable[[], tuple[Catalog, Library]]
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def register(main: click.Group, definitions: Definitions) -> None:
    @main.command("report")
    @click.argument("assessment_id", required=False, type=click.UUID)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--answers", type=FILE, help="Vendor answers (JSON): render without a database.")
    @click.option("--client", "client_file", type=FILE, help="Client environment (JSON).")
    @click.option("--vendor-name", default="Vendor", show_default=True)
    @click.option("--client-name", default="Client", show_default=True)
    @click.option("--organisation", default="Your agency", show_default=True)
    @click.option("--contact-name", default="", help="The agency contact shown on the report.")
    @click.option("--contact-email", default="")
    @click.option("--accent", default="", help="Accent colour as #rrggbb.")
    @click.option("--logo", type=FILE, help="The agency's logo (PNG, JPEG or SVG).")
    @click.option(
        "--scored-on",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Date shown in a report from files (default: today).",
    )
    def report(
        assessment_id: uuid.UUID | None,
        output: Path,
        answers: Path | None,
        client_file: Path | None,
        vendor_name: str,
        client_name: str,
        organisation: str,
        contact_name: str,
        contact_email: str,
        accent: str,
        logo: Path | None,
        scored_on: datetime | None,
    ) -> None:
        """Write a PDF report: of ASSESSMENT_ID from the database, or from --answers files."""
        catalog, library = definitions()
        if (assessment_id is None) == (answers is None):
            raise click.UsageError("give either ASSESSMENT_ID or --answers (with --client)")
        if answers is not None:
            score = score_files(catalog, library, "ai-framework", answers, client_file)
            engine = library.engine(
                score.provenance.questionnaire.slug + "@" + score.provenance.questionnaire.version
            )
            assert engine is not None
            brand, images = _brand(contact_name, contact_email, accent, logo)
            html = documents.offline_assessment_html(
                organisation=organisation,
                vendor=vendor_name,
                client=client_name,
                score=score,
                engine=engine,
                scored_on=scored_on.replace(tzinfo=UTC) if scored_on else datetime.now(UTC),
                brand=brand,
            )
            # WeasyPrint (+450 ms, +22 MB) is for render workers: `stackvet serve` loads this
            # module through the command tree, and the API process must not import it.
            from service.reporting import pdf  # noqa: PLC0415

            rendered = pdf.html_to_pdf(html, get_settings().report_max_pages, images)
            output.write_bytes(rendered.content)
            click.echo(f"Wrote {output} ({rendered.pages} pages).")
            return
        assert assessment_id is not None
        _stored(library, assessment_id, output)


def _brand(
    contact_name: str, contact_email: str, accent: str, logo: Path | None
) -> tuple[Brand, dict[str, tuple[bytes, str]]]:
    """Branding from the options, checked like an upload (the logo cleaned the same way)."""
    try:
        colour = BrandingUpdate(accent_colour=accent or None).accent_colour
    except ValidationError as exc:
        raise click.BadParameter("use #rrggbb", param_hint="--accent") from exc
    images: dict[str, tuple[bytes, str]] = {}
    url = ""
    if logo is not None:
        kinds = {".png": logos.PNG, ".jpg": logos.JPEG, ".jpeg": logos.JPEG, ".svg": logos.SVG}
        try:
            cleaned = logos.clean(logo.read_bytes(), kinds.get(logo.suffix.lower(), ""))
        except ServiceError as exc:
            raise click.BadParameter(exc.detail, param_hint="--logo") from exc
        url = f"stackvet-logo:{cleaned.sha256}"
        images[url] = (cleaned.content, cleaned.media_type)
    brand = Brand(
        accent=(colour or Brand.accent).lower(),
        contact_name=contact_name,
        contact_email=contact_email,
        logo=url,
    )
    return brand, images


def _stored(library: Library, assessment_id: uuid.UUID, output: Path) -> None:
    engine = create_db_engine(get_settings().database_url)
    try:
        with create_session_factory(engine).begin() as session:
            organisation_id = session.scalar(
                select(Assessment.organisation_id).where(Assessment.id == assessment_id)
            )
            if organisation_id is None:
                raise click.ClickException(f"There is no assessment {assessment_id}.")
            try:
                report = report_service.assessment_report(
                    session, library, organisation_id, assessment_id, "pdf"
                )
            except ServiceError as exc:
                raise click.ClickException(exc.detail) from exc
    finally:
        shutdown_default_pool()
        engine.dispose()
    output.write_bytes(report.content)
    click.echo(f"Wrote {output} ({report.filename}.pdf).")
