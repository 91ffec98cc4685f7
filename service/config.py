"""Settings, read once from `STACKVET_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.resources import definitions_dir

# Relative to the working directory (never inside the installed package); the folder is
# created on first use.
DEFAULT_DATABASE_URL = "sqlite:///var/stackvet.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STACKVET_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
    )
    definitions_dir: Path = Field(
        default_factory=definitions_dir,
        description="Folder with questionnaire definitions, rule packs and the knowledge base "
        "(default: the ones shipped in the package).",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="How clients reach this service: absolute links in webhooks use it.",
    )
    webhook_allow_private_targets: bool = Field(
        default=False, description="Let webhooks go to private addresses (development, tests)."
    )
    embedded_worker: bool | None = Field(
        default=None,
        description="Run the worker inside the API process (default: yes on SQLite, no on "
        "PostgreSQL, where `stackvet worker` runs separately).",
    )
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    worker_heartbeat_file: Path | None = Field(
        default=None, description="Touched after every worker round (for health checks)."
    )
    idempotency_hours: int = Field(default=48, ge=24, description="How long keys are kept.")
    report_workers: int = Field(default=2, ge=1, description="PDF render worker processes.")
    report_timeout_seconds: float = Field(default=30, gt=0)
    report_max_pages: int = Field(default=80, ge=1)
    report_memory_mb: int = Field(default=1024, ge=256, description="Per render worker.")
    db_pool_size: int = Field(default=5, ge=1)

    @field_validator("database_url")
    @classmethod
    def _normalise_url(cls, value: str) -> str:
        """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value.removeprefix(prefix)
        if not value.startswith(("sqlite:///", "postgresql+psycopg://")):
            raise ValueError(
                "STACKVET_DATABASE_URL must start with sqlite:/// or postgresql+psycopg://"
            )
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_embedded_worker(self) -> bool:
        return self.is_sqlite if self.embedded_worker is None else self.embedded_worker


@lru_cache
def get_settings() -> Settings:
    return Settings()
