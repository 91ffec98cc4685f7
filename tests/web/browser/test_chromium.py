"""In CI (STACKVET_REQUIRE_BROWSER set) a missing Chromium fails the browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.browser.conftest import find_chromium


def test_a_missing_browser_fails_when_required(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="browser tests must run"):
        find_chromium(tmp_path / "chromium", required=True)


def test_a_missing_browser_skips_with_the_reason_otherwise(tmp_path: Path) -> None:
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        find_chromium(tmp_path / "chromium", required=False)


def test_an_installed_browser_is_used(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.touch()
    assert find_chromium(browser, required=True) == browser
