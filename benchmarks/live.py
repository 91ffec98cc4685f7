"""A real `stackvet serve` on loopback for the benchmarks, and a PostgreSQL schema of their own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(url: str, code: Path = ROOT) -> dict[str, str]:
    """`stackvet serve`'s environment: this database, no embedded worker, no rate limits (the
    benchmarks measure other things), and the code in `code` (a baseline's, or this tree)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STACKVET_")}
    env |= {"STACKVET_DATABASE_URL": url, "STACKVET_EMBEDDED_WORKER": "false"}
    return env | {"STACKVET_API_RATE_LIMITS": "disabled", "PYTHONPATH": str(code)}


@contextmanager
def stackvet_serve(env: dict[str, str]) -> Iterator[str]:
    """The base URL of a `stackvet serve` started with `env`; stopped afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-c", "from service.cli import main; main()", "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("stackvet serve did not start")
        yield base
    finally:
        process.terminate()
        process.wait(60)


def postgres_schema(url: str, schema: str) -> str:
    """`url` with its search path set to `schema`, created empty."""
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"
