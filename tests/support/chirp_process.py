"""``chirp serve`` and ``chirp worker`` as an operator runs them: real processes on free
loopback ports.

For the tests an ASGI test transport cannot stand in for: raw HTTP framing, a real browser,
faults injected under a real server, the command line itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from devservers.ports import HOST, free_port
from tests.support.app import TEST_SECRET

CHIRP = str(Path(sys.executable).parent / "chirp")
_READY_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0


def chirp_env(root: Path, database_url: str, **variables: str) -> dict[str, str]:
    """The environment of a ``chirp`` process whose files all live under ``root``; no Redis."""
    env = {
        **os.environ,
        "CHIRP_DATABASE_URL": database_url,
        "CHIRP_JWT_SECRET": TEST_SECRET.decode(),
        "CHIRP_DATA_DIR": str(root / "data"),
        "CHIRP_MEDIA_DIR": str(root / "media"),
        **variables,
    }
    env.pop("CHIRP_REDIS_URL", None)
    return env


@dataclass(frozen=True)
class ServedChirp:
    process: subprocess.Popen[bytes]
    port: int
    log: Path  # what the process wrote (its JSON log lines: standard error and output)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@contextmanager
def chirp_serve(
    env: dict[str, str],
    log: Path,
    *options: str,
    cwd: Path | None = None,
    ready: bool = True,
    workers: int = 1,
) -> Iterator[ServedChirp]:
    """``chirp serve *options`` (it migrates first) with ``workers`` processes, answering
    ``/health`` unless ``ready`` is False; stopped, and killed if it will not stop, on the way
    out."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                CHIRP,
                "serve",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(workers),
                *options,
            ],
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a fault a test injects never reaches the test runner
        )
    served = ServedChirp(process, port, log)
    try:
        if ready:
            wait_until_healthy(served)
        yield served
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_healthy(served: ServedChirp) -> None:
    """Returns once ``chirp serve`` answers ``/health`` (for one started with ``ready=False``)."""
    with httpx.Client(base_url=served.url, timeout=2) as http:
        wait_until_answering(http, "/health", served.process, served.log.read_text)


@dataclass(frozen=True)
class WorkingChirp:
    process: subprocess.Popen[bytes]
    metrics_port: int  # where it serves its GET /metrics
    log: Path

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}"


@contextmanager
def chirp_worker(
    env: dict[str, str], log: Path, *options: str, ready: bool = True
) -> Iterator[WorkingChirp]:
    """``chirp worker --metrics-port <a free port> *options`` (it migrates first), serving its
    ``/metrics`` unless ``ready`` is False; stopped (SIGTERM: it finishes cleanly), and killed
    if it will not stop, on the way out."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [CHIRP, "worker", "--metrics-port", str(port), *options],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    working = WorkingChirp(process, port, log)
    try:
        if ready:
            wait_until_working(working)
        yield working
    finally:
        _stop(process)


def wait_until_working(working: WorkingChirp) -> None:
    """Returns once ``chirp worker`` serves its metrics (it then takes jobs)."""
    with httpx.Client(base_url=working.metrics_url, timeout=2) as http:
        wait_until_answering(http, "/metrics", working.process, working.log.read_text)


def wait_until_answering(
    http: httpx.Client,
    path: str,
    process: subprocess.Popen[bytes] | subprocess.Popen[str],
    why_not: Callable[[], str] = lambda: "chirp serve exited early",
) -> None:
    """Polls ``path`` until it answers 200; fails (saying ``why_not()``) if the process exits."""
    deadline = time.monotonic() + _READY_TIMEOUT
    while True:
        try:
            if http.get(path).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, why_not()
        assert time.monotonic() < deadline, f"{path} did not answer 200: {why_not()}"
        time.sleep(0.1)
