"""Settings: secrets read from files (STACKVET_<NAME>_FILE), the proxy setting, defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from service.config import SECRET_SETTINGS, Settings
from service.resources import definitions_dir


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_SETTINGS:
        monkeypatch.delenv(f"STACKVET_{name.upper()}", raising=False)
        monkeypatch.delenv(f"STACKVET_{name.upper()}_FILE", raising=False)


def secret_file(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "secret"
    path.write_text(value, encoding="utf-8")
    return path


def test_the_database_url_is_read_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = secret_file(tmp_path, "postgres://stackvet:s3cret@db:5432/stackvet\n")
    monkeypatch.setenv("STACKVET_DATABASE_URL_FILE", str(path))
    assert Settings().database_url == "postgresql+psycopg://stackvet:s3cret@db:5432/stackvet"


def test_the_webhook_proxy_is_read_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = secret_file(tmp_path, "http://user:pw@proxy.internal:3128\n")
    monkeypatch.setenv("STACKVET_WEBHOOK_PROXY_FILE", str(path))
    assert Settings().webhook_proxy == "http://user:pw@proxy.internal:3128"


def test_a_value_from_a_file_is_validated_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKVET_DATABASE_URL_FILE", str(secret_file(tmp_path, "mysql://x")))
    with pytest.raises(ValidationError, match="must start with sqlite:/// or postgresql"):
        Settings()


def test_the_variable_and_its_file_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STACKVET_DATABASE_URL", "sqlite:///a.db")
    monkeypatch.setenv("STACKVET_DATABASE_URL_FILE", str(secret_file(tmp_path, "sqlite:///b.db")))
    with pytest.raises(SettingsError, match=r"set STACKVET_DATABASE_URL or \S+_FILE, not both"):
        Settings()


def test_a_missing_file_names_the_variable_and_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("STACKVET_DATABASE_URL_FILE", str(missing))
    with pytest.raises(
        SettingsError, match=re.escape(f"STACKVET_DATABASE_URL_FILE: cannot read {missing}")
    ):
        Settings()


def test_the_proxy_must_be_an_http_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKVET_WEBHOOK_PROXY", "socks5://proxy:1080")
    with pytest.raises(ValidationError, match="must be an http:// or https:// URL"):
        Settings()


def test_the_defaults_stay_out_of_the_installed_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STACKVET_DEFINITIONS_DIR", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///var/stackvet.db", "relative to the working dir"
    assert settings.definitions_dir == definitions_dir()
    assert (settings.definitions_dir / "knowledge-base.yaml").is_file()
    assert settings.webhook_proxy is None


def test_read_threads_still_sizes_the_read_lane_unless_read_connections_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """STACKVET_READ_THREADS was the read lane's setting when the lane was threads."""
    assert Settings().read_connections == 4
    monkeypatch.setenv("STACKVET_READ_THREADS", "7")
    assert Settings().read_connections == 7
    monkeypatch.setenv("STACKVET_READ_CONNECTIONS", "9")
    assert Settings().read_connections == 9
