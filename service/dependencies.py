"""Request-scoped dependencies shared by every domain: the unit of work and the settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.idempotency import dependency as idempotency
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commit on success, roll back on error.

    `scope="function"` below makes the commit happen before the response is sent, so a client
    never sees a success for a change that then failed to commit. A POST with an
    Idempotency-Key stores its response in the same commit as its effect.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        try:
            yield session
            idempotency.finish(request, session)
            session.commit()
        except BaseException:
            session.rollback()
            idempotency.abandon(request)
            raise


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_library(request: Request) -> Library:
    library: Library = request.app.state.library
    return library


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
LibraryDep = Annotated[Library, Depends(get_library)]
