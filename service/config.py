"""Settings, read once from `STACKVET_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'stackvet.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STACKVET_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
    )
    definitions_dir: Path = Field(
        default=PROJECT_ROOT / "questionnaires",
        description="Folder with questionnaire definitions, rule packs and the knowledge base.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
