"""Request-scoped dependencies shared by every domain: the unit of work and the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import ConnectionSlots
from service.idempotency import dependency as idempotency
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library

AfterUnitOfWork = Callable[[sessionmaker[Session]], None]


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: commit on success, roll back on error.

    `scope="function"` below makes the commit happen before the response is sent, so a client
    never sees a success for a change that then failed to commit. A POST with an
    Idempotency-Key stores its response in the same commit as its effect. Bookkeeping that
    must not hold a row for the whole request (`after_unit_of_work`) runs once the unit of work
    has released its connection, in short transactions of its own.

    The wait for a connection happens on the event loop (`ConnectionSlots`), bounded by
    STACKVET_DB_POOL_TIMEOUT; the database work itself runs in the thread pool.
    """
    slots: ConnectionSlots | None = getattr(request.app.state, "connection_slots", None)
    semaphore = await slots.acquire() if slots else None
    try:
        factory: sessionmaker[Session] = request.app.state.session_factory
        session = factory()
        try:
            yield session
            await run_in_threadpool(_commit, request, session)
        except BaseException:
            await run_in_threadpool(_roll_back, request, session)
            raise
        for task in getattr(request.state, "after_unit_of_work", ()):
            await run_in_threadpool(task, factory)
    finally:
        if semaphore is not None:
            semaphore.release()


def _commit(request: Request, session: Session) -> None:
    with session:
        idempotency.finish(request, session)
        session.commit()


def _roll_back(request: Request, session: Session) -> None:
    with session:
        session.rollback()
        idempotency.abandon(request)


def after_unit_of_work(request: Request, task: AfterUnitOfWork) -> None:
    """Run `task` after this request's unit of work, if it commits."""
    if not hasattr(request.state, "after_unit_of_work"):
        request.state.after_unit_of_work = []
    request.state.after_unit_of_work.append(task)


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
