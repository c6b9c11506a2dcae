"""The ASGI server and its settings, shared by ``chirp serve`` and the benchmark's ceiling app,
and the one a standalone ``chirp worker`` serves its metrics with."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from entrypoints.logs import server_log_config

logger = logging.getLogger("chirp")

# Where prometheus_client's processes keep their values (entrypoints/metrics.py reads it).
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh directory, readable by this user only, where the worker processes started
    inside the block keep their metrics (they inherit the environment), so a scrape answered
    by any of them counts them all; removed on the way out.

    Never one inherited from the environment: another server's or an earlier run's files
    there would be counted as this server's. Must be entered before anything in this
    process imports prometheus_client, which chooses its mode once, on import.
    """
    directory = tempfile.mkdtemp(prefix="chirp-metrics-")
    os.environ.pop(METRICS_DIR_ENV.lower(), None)  # prometheus_client's older spelling
    os.environ[METRICS_DIR_ENV] = directory
    try:
        yield directory
    finally:
        os.environ.pop(METRICS_DIR_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def serve(target: str, *, host: str, port: int, workers: int, factory: bool = False) -> None:
    """Serves the ASGI app at ``target`` (``module:attribute``) until interrupted.

    Granian over uvicorn: measured here, 1 worker, wrk -c64: /health 10.5k vs 6.7k req/s,
    GET /api/v1/me 790 vs 585 req/s.
    """
    from granian import Granian  # noqa: PLC0415  # only a server process needs it
    from granian.constants import Interfaces, Loops  # noqa: PLC0415

    Granian(
        target,
        factory=factory,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        log_access=False,
        log_dictconfig=server_log_config(),
    ).serve()


class CannotListen(Exception):
    """The address cannot be listened on (in use, or not this machine's); the message says
    why in one line."""


class _NotExperimental(logging.Filter):
    """Drops the warning Granian logs each time its embedded server starts."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Embedded server is experimental!"


_NOT_EXPERIMENTAL = _NotExperimental()  # one instance: adding it again is a no-op


@asynccontextmanager
async def serving(app: Any, *, host: str, port: int) -> AsyncIterator[None]:
    """Serves the ASGI ``app`` on this event loop while inside the block, beside the
    caller's own tasks: Granian's embedded server (its Rust threads do the network I/O; the
    app's coroutines run on this loop). Stopped on the way out, whatever ends the block
    (cancellation included). Raises ``CannotListen`` if it cannot listen at host:port.

    Kept to small apps (a worker's ``/metrics``): one worker, no lifespan, no access log.
    If the server stops on its own, an error is logged and the block goes on: what the
    caller does matters more than being scraped, and a scraper sees the target down.
    """
    from granian.constants import Interfaces  # noqa: PLC0415  # only a server needs it
    from granian.server.embed import Server  # noqa: PLC0415

    server = Server(
        app,
        address=host,
        port=port,
        interface=Interfaces.ASGINL,
        log_access=False,
        log_dictconfig=server_log_config(),
    )
    logging.getLogger("_granian").addFilter(_NOT_EXPERIMENTAL)
    task = asyncio.create_task(server.serve(), name="chirp-embedded-server")
    await asyncio.sleep(0)  # it binds before it first waits
    if task.done() and task.exception() is not None:
        reason = str(task.exception()).strip().splitlines() or ["unknown error"]
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        raise CannotListen(f"cannot listen on {address}: {reason[0]}")
    stopping = False

    def stopped(_: asyncio.Task[None]) -> None:
        if not stopping:
            logger.error("the server at %s:%d stopped on its own", host, port)

    task.add_done_callback(stopped)
    try:
        yield
    finally:
        stopping = True
        server.stop()  # type: ignore[no-untyped-call]
        with contextlib.suppress(Exception):
            await task
