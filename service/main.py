"""The FastAPI application: routers, middleware, error handlers and start-up checks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from service.assessments.router import router as assessments_router
from service.auth.router import router as auth_router
from service.catalog import service as catalog_service
from service.catalog.router import router as catalog_router
from service.clients.router import router as clients_router
from service.config import Settings, get_settings
from service.db import create_db_engine, create_session_factory
from service.errors import install_error_handlers
from service.health import service as health_service
from service.health.router import router as health_router
from service.middleware import BodyLimitMiddleware, RequestIdMiddleware
from service.problems.router import router as problems_router
from service.questionnaires.catalog import Catalog, load_catalog
from service.scores import service as score_service
from service.scores.router import router as scores_router
from service.scoring.library import Library, load_library
from service.vendors.router import router as vendors_router

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
) -> FastAPI:
    """Build the app; tests pass a shared catalog, library and engine to avoid rebuilding them."""
    settings = settings or get_settings()
    # Broken definitions, rule packs or knowledge base stop start-up here, not at request time.
    catalog = catalog or load_catalog(settings.definitions_dir)
    library = library or load_library(settings.definitions_dir, catalog)
    owns_engine = engine is None
    engine = engine or create_db_engine(settings.database_url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _publish_definitions(app)
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="stackvet",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.library = library
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    for router in (
        health_router,
        problems_router,
        auth_router,
        catalog_router,
        vendors_router,
        clients_router,
        assessments_router,
        scores_router,
    ):
        app.include_router(router)
    return app


def _operation_id(route: APIRoute) -> str:
    """Operation ids are the route function names (`create_assessment`), unique by design."""
    return route.name


def _publish_definitions(app: FastAPI) -> None:
    """Publish shipped definitions; stop if a published version was edited in place."""
    if not health_service.migration_state(app.state.engine).at_head:
        logger.warning("database not migrated to head; run `stackvet migrate` (see /readyz)")
        return
    try:
        with app.state.session_factory.begin() as session:
            catalog_service.publish_all(session, app.state.catalog)
            score_service.publish_all(session, app.state.library)
    except SQLAlchemyError:
        logger.exception("could not publish questionnaire definitions")
