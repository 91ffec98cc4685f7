"""`stackvet serve` freezes what start-up built out of the garbage collector's full passes
(service/process_heap.py): those passes walked some 210,000 long-lived objects, 140 ms each,
and set the read's p99. Apps that tests build are left alone (a frozen object is never freed).
Re-scoring runs with thresholds that collect rarely, and restores them.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from service import process_heap
from service.auth.models import Organisation
from service.config import Settings
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scores import columns
from service.scores.rescore import rescore_all
from service.scoring.library import Library
from tests import builders
from tests.processes import demo_server


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """A test process starts unfrozen and is left so, whatever the test froze."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_stackvet_serve_freezes_its_start_up_heap_and_still_answers(tmp_path: Path) -> None:
    with demo_server(tmp_path) as (base, key):
        listed = httpx.get(
            f"{base}/api/v1/assessments", headers={"Authorization": f"Bearer {key}"}, timeout=30
        )
        assert listed.status_code == 200, listed.text
    log = (tmp_path / "server.log").read_text()
    frozen = re.search(r"start-up heap frozen: (\d+) objects", log)
    assert frozen is not None, log
    assert int(frozen.group(1)) > 100_000  # modules, routes, validators, mappers, definitions


@pytest.mark.usefixtures("unfrozen")
def test_a_settled_app_leaves_a_full_collection_a_fraction_of_the_objects(
    settings: Settings, catalog: Catalog, library: Library
) -> None:
    app = create_app(settings, catalog=catalog, library=library, settle_heap=True)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        tracked = len(gc.get_objects())  # what a full collection walks; frozen ones are not
        assert gc.get_freeze_count() > 10 * tracked


@pytest.mark.usefixtures("unfrozen")
def test_apps_built_by_tests_are_not_frozen(
    settings: Settings, catalog: Catalog, library: Library
) -> None:
    with TestClient(create_app(settings, catalog=catalog, library=library)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0


def test_a_batch_collects_rarely_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with process_heap.batch_collection():
        assert gc.get_threshold() == process_heap.BATCH_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), process_heap.batch_collection():
        raise RuntimeError("a failed batch")
    assert gc.get_threshold() == before


def test_rescoring_scores_with_the_batch_thresholds(
    session_factory: sessionmaker[Session],
    library: Library,
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    catalog: Catalog,
    org: Organisation,
) -> None:
    """Re-scoring makes no garbage cycles, and the default thresholds cost a fifth of its
    time (27.5 s against 21.3 s for 10,000; README, Performance)."""
    builders.assessment(
        session,
        catalog,
        org,
        answers=builders.example("openweave.answers"),
        submitted=True,
        library=library,
    )
    session.commit()
    seen: list[tuple[int, int, int]] = []
    scored = columns.scored

    def watched(*args: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(gc.get_threshold())
        return scored(*args, **kwargs)

    monkeypatch.setattr(columns, "scored", watched)
    summary = rescore_all(session_factory, library, force=True)
    assert summary.rescored == 1
    assert seen == [process_heap.BATCH_THRESHOLDS]
    assert gc.get_threshold() != process_heap.BATCH_THRESHOLDS
