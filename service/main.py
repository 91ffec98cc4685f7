"""The FastAPI application: routers, middleware, error handlers and start-up checks."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from service import openapi_contract, process_heap
from service.api_limits.dependency import RateLimitHeadersMiddleware
from service.api_limits.service import DatabaseCounters, Limiter, Policy, RedisCounters
from service.assessments.router import router as assessments_router
from service.auth.router import router as auth_router
from service.branding.router import router as branding_router
from service.catalog import service as catalog_service
from service.catalog.router import router as catalog_router
from service.clients.router import router as clients_router
from service.config import Settings, get_settings
from service.db import ConnectionSlots, create_db_engine, create_session_factory
from service.errors import install_error_handlers
from service.events.router import router as events_router
from service.evidence.kinds import MAX_UPLOAD
from service.evidence.router import EVIDENCE_UPLOADS
from service.evidence.router import router as evidence_router
from service.health import service as health_service
from service.health.router import router as health_router
from service.http_semantics import ALREADY_COMPRESSED, HeadAndConditionalMiddleware
from service.idempotency.dependency import NOT_IDEMPOTENT_PATHS, ReplayResponse, replay
from service.middleware import BodyLimitMiddleware, RequestIdMiddleware, UnhandledErrors
from service.observability import metrics, tracing
from service.observability.middleware import AccessMiddleware
from service.observability.queues import QueueCollector
from service.observability.router import router as metrics_router
from service.openapi import (
    add_idempotency_header,
    malformed_request_errors,
    problem_validation_errors,
)
from service.problems.router import router as problems_router
from service.questionnaires.catalog import Catalog, load_catalog
from service.read_lane import ReadLane
from service.reporting.pool import shutdown_default_pool
from service.reporting.queue import RenderQueue
from service.reporting.render import REPORTS_DIR
from service.reporting.router import router as reports_router
from service.reviews.router import router as reviews_router
from service.scores import service as score_service
from service.scores.router import router as scores_router
from service.scoring.library import Library, load_library
from service.spreadsheets.router import router as spreadsheets_router
from service.unsafe_text import reject_unsafe_text
from service.vendors.router import router as vendors_router
from service.web.app import install_web
from service.webhooks.router import router as webhooks_router
from service.worker.runner import Worker, start_in_thread

logger = logging.getLogger(__name__)

DESCRIPTION = """\
stackvet assesses AI vendors' ML stacks for agencies: questionnaires about the vendor's
framework, serving stack, packaging, hardware and Hugging Face compatibility, judged against
each client's own infrastructure.

Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem+json.
"""


def create_app(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    library: Library | None = None,
    engine: Engine | None = None,
    settle_heap: bool = False,
) -> FastAPI:
    """Build the app; tests pass a shared catalog, library and engine to avoid rebuilding them.

    `settle_heap` freezes what start-up built out of the garbage collector's full passes
    (`service/process_heap.py`); `stackvet serve` sets it through `create_served_app`.
    """
    settings = settings or get_settings()
    # Broken definitions, rule packs or knowledge base stop start-up here, not at request time.
    catalog = catalog or load_catalog(settings.definitions_dir)
    library = library or load_library(settings.definitions_dir, catalog)
    owns_engine = engine is None
    engine = engine or create_db_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
    )

    lane = _read_lane(engine, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ready = _publish_definitions(app)
        embedded = _start_worker(app) if ready and settings.runs_embedded_worker else None
        if settle_heap:
            process_heap.settle()
        yield
        # uvicorn has let in-flight requests finish (or the grace period run out) by now.
        if embedded is not None:
            embedded[1].set()
            embedded[0].join(timeout=settings.shutdown_grace_seconds)
        shutdown_default_pool()
        if lane is not None:
            await lane.dispose()
        if owns_engine:
            engine.dispose()
        metrics.process_exited()

    app = FastAPI(
        title="stackvet",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(reject_unsafe_text)],
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.library = library
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_lane = lane
    # as many as the pool holds: see create_db_engine
    app.state.connection_slots = ConnectionSlots(
        2 * settings.db_pool_size, settings.db_pool_timeout
    )
    app.state.api_limiter = _limiter(app, settings)
    app.state.render_queue = RenderQueue(
        slots=settings.report_workers,
        max_waiting=settings.report_queue_size,
        per_organisation=settings.report_queue_per_organisation,
        max_wait=settings.report_timeout_seconds,
    )
    install_error_handlers(app)
    app.add_middleware(UnhandledErrors)  # innermost: its 500s pass through the others
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(HeadAndConditionalMiddleware)
    # Already compressed formats (PDFs, workbooks, images) are sent as they are.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1024,
        compresslevel=6,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, *ALREADY_COMPRESSED),
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        larger={EVIDENCE_UPLOADS: MAX_UPLOAD + 64 * 1024},  # the file, and the form around it
    )
    app.add_middleware(AccessMiddleware, record_metrics=settings.metrics == "enabled")
    app.add_middleware(RequestIdMiddleware)
    _install_observability(app, settings, engine)
    for router in (
        health_router,
        problems_router,
        auth_router,
        catalog_router,
        vendors_router,
        clients_router,
        assessments_router,
        reviews_router,
        scores_router,
        reports_router,
        spreadsheets_router,
        webhooks_router,
        events_router,
        evidence_router,
        branding_router,
    ):
        app.include_router(router)
    app.add_exception_handler(ReplayResponse, replay)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    install_web(app)
    for folder in ("css", "fonts"):  # the report previews' stylesheet and fonts
        app.mount(f"/report-assets/{folder}", StaticFiles(directory=REPORTS_DIR / folder))
    return app


def create_served_app() -> FastAPI:
    """The app as `stackvet serve` runs it: one per API process, its start-up heap frozen."""
    return create_app(settle_heap=True)


def _read_lane(engine: Engine, settings: Settings) -> ReadLane | None:
    """On PostgreSQL, the lane the cheap API reads run in (`service/read_lane.py`), on the
    same database as `engine`."""
    if engine.dialect.name != "postgresql":
        return None
    return ReadLane(engine.url, settings.read_connections, settings.db_pool_timeout)


def _limiter(app: FastAPI, settings: Settings) -> Limiter | None:
    """API rate limits, counted in Redis when configured, else in the database."""
    if settings.api_rate_limits == "disabled":
        return None
    window = settings.api_rate_limit_window_seconds
    counters = (
        RedisCounters(settings.redis_url)
        if settings.redis_url
        else DatabaseCounters(lambda: app.state.session_factory)
    )
    return Limiter(
        counters,
        per_key=Policy("key", settings.api_rate_limit_per_key, window),
        per_organisation=Policy("org", settings.api_rate_limit_per_organisation, window),
    )


def _install_observability(app: FastAPI, settings: Settings, engine: Engine) -> None:
    """`/metrics` on the API port unless disabled or moved to STACKVET_METRICS_PORT (which
    `stackvet serve` serves); tracing when enabled."""
    metrics.instrument_engine(engine)
    if app.state.read_lane is not None:
        metrics.instrument_engine(app.state.read_lane.engine.sync_engine)
    metrics.RENDER_WORKERS_MAX.set(settings.report_workers)  # before the pool starts on demand

    def sessions() -> Session:  # through app.state: tests swap the session factory
        session: Session = app.state.session_factory()
        return session

    app.state.scrape_collectors = [QueueCollector(sessions)]
    if settings.metrics == "enabled" and settings.metrics_port is None:
        app.include_router(metrics_router)
    if settings.tracing == "enabled":
        tracing.install(app)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        spec = problem_validation_errors(spec)
        spec = add_idempotency_header(spec, NOT_IDEMPOTENT_PATHS)
        spec = malformed_request_errors(spec)
        app.openapi_schema = openapi_contract.complete(
            spec,
            public_url=app.state.settings.public_url,
            not_idempotent=NOT_IDEMPOTENT_PATHS,
        )
    return app.openapi_schema


def _operation_id(route: APIRoute) -> str:
    """Operation ids are the route function names (`create_assessment`), unique by design."""
    return route.name


def _publish_definitions(app: FastAPI) -> bool:
    """Publish shipped definitions; stop if a published version was edited in place.

    Returns whether the database is ready (migrated) for the rest of start-up.
    """
    if not health_service.migration_state(app.state.engine).at_head:
        logger.warning("database not migrated to head; run `stackvet migrate` (see /readyz)")
        return False
    try:
        with app.state.session_factory.begin() as session:
            catalog_service.publish_all(session, app.state.catalog)
            score_service.publish_all(session, app.state.library)
    except SQLAlchemyError:
        logger.exception("could not publish questionnaire definitions")
        return False
    return True


def _start_worker(app: FastAPI) -> tuple[threading.Thread, threading.Event]:
    """The embedded worker (SQLite default): webhooks and report pre-rendering, no extra step."""
    worker = Worker(app.state.session_factory, app.state.library, app.state.settings)
    logger.info("running the worker inside the API process (embedded default)")
    return start_in_thread(worker)
