"""Request-scoped dependencies shared by every domain: the unit of work and the settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import ConnectionSlots
from service.idempotency import dependency as idempotency
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library

AfterUnitOfWork = Callable[[sessionmaker[Session]], None]
T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: commit on success, roll back on error.

    `scope="function"` below makes the commit happen before the response is sent, so a client
    never sees a success for a change that then failed to commit. A POST with an
    Idempotency-Key stores its response in the same commit as its effect. Bookkeeping that
    must not hold a row for the whole request (`after_unit_of_work`) runs once the unit of work
    has released its connection, in short transactions of its own.

    The wait for a connection happens on the event loop (`ConnectionSlots`), bounded by
    STACKVET_DB_POOL_TIMEOUT; the database work itself runs in the thread pool. A route that
    must wait for something slow (a render worker) ends its unit of work first
    (`end_unit_of_work`), so that it holds neither a connection nor a slot while it waits.
    """
    slots: ConnectionSlots | None = getattr(request.app.state, "connection_slots", None)
    semaphore = await slots.acquire() if slots else None
    factory: sessionmaker[Session] = request.app.state.session_factory
    unit = _UnitOfWork(factory(), semaphore)
    request.state.unit_of_work = unit
    try:
        try:
            yield unit.session
            if not unit.ended:
                await run_in_threadpool(_commit, request, unit.session)
        except BaseException:
            if not unit.ended:
                await run_in_threadpool(_roll_back, request, unit.session)
            raise
        for task in getattr(request.state, "after_unit_of_work", ()):
            await run_in_threadpool(task, factory)
    finally:
        unit.release()


class _UnitOfWork:
    def __init__(self, session: Session, semaphore: asyncio.Semaphore | None) -> None:
        self.session = session
        self.semaphore = semaphore
        self.ended = False

    def release(self) -> None:
        if self.semaphore is not None:
            self.semaphore.release()
            self.semaphore = None


async def end_unit_of_work(request: Request) -> None:
    """Commit the request's unit of work now and give its connection and slot back; the
    request may go on without the database (e.g. wait for a render worker)."""
    unit: _UnitOfWork = request.state.unit_of_work
    if unit.ended:
        return
    await run_in_threadpool(_commit, request, unit.session)
    unit.ended = True
    unit.release()


async def in_own_unit_of_work(request: Request, work: Callable[[Session], T]) -> T:
    """`work` in a short transaction of its own (after `end_unit_of_work`), within the same
    bound on connections as every request."""
    slots: ConnectionSlots | None = getattr(request.app.state, "connection_slots", None)
    semaphore = await slots.acquire() if slots else None
    factory: sessionmaker[Session] = request.app.state.session_factory

    def run() -> T:
        with factory.begin() as session:
            return work(session)

    try:
        return await run_in_threadpool(run)
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


# The getters below are async: a sync dependency, however cheap, is a round trip through the
# thread pool (FastAPI runs sync dependencies there).
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


async def get_library(request: Request) -> Library:
    library: Library = request.app.state.library
    return library


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
LibraryDep = Annotated[Library, Depends(get_library)]
