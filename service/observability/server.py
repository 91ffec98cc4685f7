"""Metrics on a port of their own (STACKVET_METRICS_PORT), and multiprocess set-up for
`stackvet serve --workers N`. Used by the commands, never by the app itself."""

from __future__ import annotations

import logging
import os
import tempfile

from prometheus_client import start_http_server
from sqlalchemy import Engine

from service.config import Settings
from service.db import create_session_factory
from service.observability import metrics
from service.observability.queues import QueueCollector

logger = logging.getLogger(__name__)


def prepare_processes(workers: int) -> None:
    """Before starting worker processes: with more than one, they need a shared metrics
    folder (a private temporary one unless PROMETHEUS_MULTIPROC_DIR names one); values left
    there by an earlier run are removed."""
    if workers > 1 and metrics.multiprocess_dir() is None:
        os.environ[metrics.MULTIPROC_ENV] = tempfile.mkdtemp(prefix="stackvet-metrics-")
    metrics.clear_multiprocess_dir()


def serve_on_own_port(settings: Settings, engine: Engine) -> bool:
    """Start the metrics HTTP server in a thread when a metrics port is set; whether it did."""
    if settings.metrics != "enabled" or settings.metrics_port is None:
        return False
    registry = metrics.scrape_registry([QueueCollector(create_session_factory(engine))])
    start_http_server(settings.metrics_port, addr="0.0.0.0", registry=registry)  # noqa: S104
    logger.info("metrics on port %s at /metrics", settings.metrics_port)
    return True
