"""Real `stackvet` processes for tests: free ports, waiting for readiness, child processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx

BOOT_SECONDS = 120  # a busy 2-core machine starting several processes at once


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up after {seconds:g} s waiting for {what}")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def environment(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("STACKVET_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return {**env, **values}


@contextmanager
def demo_server(tmp_path: Path, **settings: str) -> Iterator[tuple[str, str]]:
    """(base URL, admin API key) of a live `stackvet serve` on a scratch SQLite database with
    the demo data and these extra STACKVET_ settings, stopped (SIGTERM) on exit."""
    stackvet = Path(sys.executable).parent / "stackvet"
    env = environment(STACKVET_DATABASE_URL=f"sqlite:///{tmp_path / 'live.db'}", **settings)
    subprocess.run([stackvet, "migrate"], env=env, check=True, capture_output=True)
    demo = subprocess.run(
        [stackvet, "demo"], env=env, check=True, capture_output=True, text=True
    ).stdout
    key = re.search(r"Admin API key.*?\n\s+(\S+)", demo, re.DOTALL)
    assert key is not None, demo
    port = free_port()
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(
            [stackvet, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: answers(f"{base}/readyz"), BOOT_SECONDS, "stackvet serve")
            yield base, key.group(1)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
