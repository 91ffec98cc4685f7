"""Settings, read once from `STACKVET_*` environment variables.

A secret setting can come from a file instead (the Docker and Kubernetes secrets convention):
`STACKVET_DATABASE_URL_FILE=/run/secrets/database_url` reads the value from that file, with
surrounding whitespace removed. Setting both the variable and its `_FILE` is an error, as is a
file that cannot be read. SECRET_SETTINGS lists the settings this applies to.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from service.mail.schedule import parse_schedule
from service.mail.sender import parse_url
from service.resources import definitions_dir

# Relative to the working directory (never inside the installed package); the folder is
# created on first use.
DEFAULT_DATABASE_URL = "sqlite:///var/stackvet.db"
ENV_PREFIX = "STACKVET_"
SECRET_SETTINGS = ("database_url", "webhook_proxy", "redis_url", "smtp_url")


class SecretFiles(PydanticBaseSettingsSource):
    """`STACKVET_<SETTING>_FILE` names a file that holds the value of a secret setting."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads everything at once

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in SECRET_SETTINGS:
            variable = f"{ENV_PREFIX}{name.upper()}"
            path = os.environ.get(f"{variable}_FILE")
            if path:
                if os.environ.get(variable):
                    raise SettingsError(f"set {variable} or {variable}_FILE, not both")
                values[name] = _read_secret(f"{variable}_FILE", Path(path))
        return values


def _read_secret(variable: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"{variable}: cannot read {path}: {exc.strerror}") from exc


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

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
    webhook_proxy: str | None = Field(
        default=None,
        description="HTTP egress proxy for webhook deliveries (http://host:port); the target "
        "address is still checked here before the proxy is asked to connect to it.",
    )
    webhook_senders: int = Field(
        default=8, ge=1, description="Webhook deliveries a worker process sends at once."
    )
    webhook_endpoint_concurrency: int = Field(
        default=2,
        ge=1,
        description="Deliveries to one endpoint in flight at once, across all workers: a slow "
        "receiver holds no more sending slots than this.",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0: keep the API rate-limit counters in Redis instead of "
        "the database (either way every replica shares one budget).",
    )
    api_rate_limits: Literal["enabled", "disabled"] = "enabled"
    api_rate_limit_per_key: int = Field(
        default=600, ge=1, description="Requests per window for one API key."
    )
    api_rate_limit_per_organisation: int = Field(
        default=1200, ge=1, description="Requests per window for all of an organisation's keys."
    )
    api_rate_limit_window_seconds: int = Field(default=60, ge=1, le=86400)
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
    report_timeout_seconds: float = Field(
        default=30,
        gt=0,
        description="Processor time a render may take (three times that on the clock at most).",
    )
    report_worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Render workers run this many nice steps below the API process (and with "
        "the batch scheduling policy), so that requests get the CPU first.",
    )
    report_max_pages: int = Field(default=80, ge=1)
    report_memory_mb: int = Field(default=1024, ge=256, description="Per render worker.")
    report_queue_size: int = Field(
        default=8,
        ge=0,
        description="Report downloads that may wait for a render worker (per API process); "
        "beyond, 503 with Retry-After.",
    )
    report_queue_per_organisation: int = Field(
        default=4, ge=1, description="Of those, how many one organisation may hold."
    )
    header_timeout_seconds: float = Field(
        default=10,
        gt=0,
        description="`stackvet serve` closes a connection whose request headers have not all "
        "arrived this long after they began (slow-header attacks).",
    )
    keep_alive_seconds: int = Field(
        default=65,
        gt=0,
        description="`stackvet serve` keeps an idle connection open this long: longer than "
        "clients and load balancers keep theirs (httpx 5 s, AWS ALB 60 s), so the server is "
        "never the one closing a connection a client is just reusing.",
    )
    limit_concurrency: int = Field(
        default=400,
        ge=1,
        description="`stackvet serve`: connections and requests at once per process; beyond, "
        "uvicorn answers 503.",
    )
    hf_hub_lookup: bool = Field(
        default=False,
        description="Let users fetch a Hugging Face model's card, config.json and file list as "
        "evidence (HF_ENDPOINT names the Hub; off by default: nothing leaves the service).",
    )
    db_pool_size: int = Field(default=5, ge=1)
    read_connections: int = Field(
        default=4,
        ge=1,
        description="On PostgreSQL, database connections per API process of the read lane: "
        "the cheap API reads (one assessment, its score, a list page) run on the event loop "
        "on these, apart from every other route's pool, and at most this many at once. Raise "
        "it when the database is far away (each read waits two or three round trips).",
    )
    read_threads: int | None = Field(
        default=None,
        ge=1,
        description="The earlier name of STACKVET_READ_CONNECTIONS, still read when that is "
        "not set.",
    )
    db_pool_timeout: float = Field(
        default=10,
        gt=0,
        description="How long a request waits for a free database connection before it is "
        "answered 503 with Retry-After.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, SecretFiles(settings_cls), dotenv_settings)

    @model_validator(mode="after")
    def _read_threads_is_read_connections(self) -> Settings:
        """STACKVET_READ_THREADS (the lane's threads, before it ran on the event loop) still
        sizes the read lane where STACKVET_READ_CONNECTIONS is not set."""
        if self.read_threads is not None and "read_connections" not in self.model_fields_set:
            self.read_connections = self.read_threads
        return self

    @field_validator("webhook_proxy")
    @classmethod
    def _check_proxy(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("STACKVET_WEBHOOK_PROXY must be an http:// or https:// URL")
        return value or None

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

    # -- e-mail and reminders (see service/mail) --
    smtp_url: str | None = Field(
        default=None,
        description="smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465 (TLS) or "
        "smtp://host:25?tls=none (a local relay). Unset: e-mails are written to the log.",
    )
    mail_from: str = Field(
        default="stackvet <stackvet@localhost>",
        description="The From address of every e-mail, e.g. "
        "'Acme procurement <vetting@acme.example>'.",
    )
    mail_lease_seconds: int = Field(
        default=120,
        ge=5,
        description="How long a worker holds an e-mail it is sending; a worker that dies "
        "mid-send has its messages sent by another after this long.",
    )
    reminder_schedule: str = Field(
        default="-3,0,+3",
        description="Days relative to the due date on which reminders go out (negative: before).",
    )
    reminder_overdue_every_days: int = Field(
        default=3, ge=0, description="After the schedule, remind again this often (0: never)."
    )
    reminder_max: int = Field(default=6, ge=0, description="Reminders per due date at most.")

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if value:
            parse_url(value)
        return value or None

    @field_validator("reminder_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value

    # -- operations: metrics, logs, tracing, shutdown (see service/observability) --
    metrics: Literal["enabled", "disabled"] = Field(
        default="enabled", description="Prometheus metrics at GET /metrics (or on metrics_port)."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve metrics on this port instead of the API's /metrics; `stackvet "
        "worker` serves its own metrics only when this is set.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, for log collectors."
    )
    tracing: Literal["enabled", "disabled"] = Field(
        default="disabled",
        description="OpenTelemetry tracing (needs `pip install stackvet[otel]`; the exporter "
        "reads the standard OTEL_* variables).",
    )
    shutdown_grace_seconds: int = Field(
        default=25,
        ge=0,
        description="After SIGTERM, how long in-flight requests, renders and webhook deliveries "
        "may take to finish before the process exits anyway.",
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
