"""End-to-end tests in Debian's Chromium, driven by Playwright, against a real uvicorn server.

The server runs in a background thread on a free port, on the suite's database with real
commits (like `live_app`); the tables are emptied afterwards. Without /usr/bin/chromium these
tests skip with the reason, unless STACKVET_REQUIRE_BROWSER is set (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from service.assessments.models import Assessment
from service.config import Settings
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.users import passwords
from tests import builders
from tests.databases import wipe
from tests.repository import REPO_ROOT
from tests.tools import unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    # No network here: without these Chromium keeps trying to reach Google's services.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
TABLET: ViewportSize = {"width": 820, "height": 1180}
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"


def find_chromium(path: Path, *, required: bool) -> Path:
    """The browser, or a skip with the reason; a failure when the browser is required (CI)."""
    if not path.exists():
        message = f"Chromium is not installed at {path} (apt-get install chromium)"
        unavailable(message, "STACKVET_REQUIRE_BROWSER", "browser tests", required=required)
    return path


@pytest.fixture(scope="session")
def chromium() -> Path:
    return find_chromium(CHROMIUM, required=bool(os.environ.get("STACKVET_REQUIRE_BROWSER")))


@pytest.fixture(scope="package")
def browser(chromium: Path) -> Iterator[Browser]:
    """Stopped when the run leaves this package: while Playwright's sync API is open, its event
    loop counts as running in the main thread, and `asyncio.run` anywhere after it would fail
    (under pytest-xdist a worker runs other packages' modules after these)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Server:
    url: str
    engine: Engine

    def session(self) -> Session:
        """A session whose commits the server sees (for seeding test data)."""
        return sessionmaker(bind=self.engine, expire_on_commit=False)()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(
    settings: Settings,
    catalog: Catalog,
    library: Library,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Server]:
    monkeypatch.setattr(passwords, "HASHER", builders.CHEAP_HASHER)
    app = create_app(settings, catalog=catalog, library=library, engine=engine)
    port = _free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    yield Server(f"http://127.0.0.1:{port}", engine)
    running.should_exit = True
    thread.join(timeout=10)
    with engine.begin() as connection:  # assessments and scores point at each other
        connection.execute(update(Assessment).values(latest_score_id=None))
    wipe(engine)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    made.set_default_timeout(10_000)
    yield made
    made.close()


@pytest.fixture
def js_errors() -> list[str]:
    """Script errors seen by `page`; a test ends by checking there were none."""
    return []


@pytest.fixture
def page(context: BrowserContext, js_errors: list[str]) -> Page:
    opened = context.new_page()
    opened.on("pageerror", lambda exc: js_errors.append(str(exc)))
    return opened


@pytest.fixture
def screenshots() -> Path:
    """Where the tests save what the pages look like (never committed: var/ is ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
