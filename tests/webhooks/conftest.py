"""Webhook tests: an app that may call local receivers, and a worker driven by the test."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.scoring.library import Library
from service.worker.runner import Worker
from tests.webhooks.slow import slow_receiver  # noqa: F401 - a fixture for webhook tests


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, embedded_worker=False, webhook_allow_private_targets=True
    )


@pytest.fixture
def worker(
    session_factory: sessionmaker[Session], library: Library, settings: Settings, app: FastAPI
) -> Worker:
    return Worker(session_factory, library, settings)
