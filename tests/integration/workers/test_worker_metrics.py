"""``chirp worker --metrics-port``: a standalone worker (beside ``chirp serve --no-worker``)
serves its own ``GET /metrics``, to the same clients as the server's."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from devservers.ports import HOST, free_port
from tests.support.accounts import insert_users, post_to_a_follower
from tests.support.chirp_process import CHIRP, chirp_env, chirp_serve
from tests.support.metrics import Samples, scrape, value

TOKEN = "worker-metrics-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FAN_OUT = "feed.fan_out"
DONE = "chirp_jobs_done_total"


async def scrape_until_done(http: httpx.AsyncClient, kind: str, done_before: float) -> Samples:
    """The first scrape that counts a job of ``kind`` more than ``done_before``: the worker
    counts a job once its transaction has committed, a moment after its effect shows."""
    deadline = time.monotonic() + 10
    while True:
        samples = await scrape(http, **BEARER)
        if value(samples, DONE, kind=kind) > done_before or time.monotonic() > deadline:
            return samples
        await asyncio.sleep(0.05)


async def wait_until_scrapable(
    http: httpx.AsyncClient, worker: asyncio.subprocess.Process, log: Callable[[], str]
) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if (await http.get("/metrics", headers=BEARER)).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert worker.returncode is None, log()
        assert time.monotonic() < deadline, f"no metrics endpoint: {log()}"
        await asyncio.sleep(0.1)


async def test_a_worker_serves_its_job_metrics(engine: AsyncEngine, tmp_path: Path) -> None:
    inherited = tmp_path / "serve-metrics"  # a multiprocess directory it must not write into
    inherited.mkdir()
    env = chirp_env(
        tmp_path,
        engine.url.render_as_string(hide_password=False),
        CHIRP_METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(inherited),
    )
    ann, ben = await insert_users(engine, "ann", "ben")
    port = free_port()
    log = tmp_path / "worker.log"
    with chirp_serve(env, tmp_path / "serve.log", "--no-worker") as served:
        with log.open("wb") as output:
            worker = await asyncio.create_subprocess_exec(
                CHIRP,
                "worker",
                "--metrics-port",
                str(port),
                env=env,
                stdout=output,
                stderr=output,
            )
        try:
            async with (
                httpx.AsyncClient(base_url=served.url) as api,
                httpx.AsyncClient(base_url=f"http://{HOST}:{port}", timeout=5) as metrics,
            ):
                await wait_until_scrapable(metrics, worker, log.read_text)
                before = await scrape(metrics, **BEARER)
                await post_to_a_follower(api, ann, ben)
                after = await scrape_until_done(metrics, FAN_OUT, value(before, DONE, kind=FAN_OUT))

                # The token rule of `chirp serve`'s /metrics, from loopback too.
                missing = await metrics.get("/metrics")
                wrong = await metrics.get("/metrics", headers={"Authorization": "Bearer nope"})
                elsewhere = await metrics.get("/api/v1/tweets", headers=BEARER)
        finally:
            with contextlib.suppress(ProcessLookupError):  # it exited early
                worker.terminate()
            stopped = await asyncio.wait_for(worker.wait(), 15)

    assert value(after, DONE, kind=FAN_OUT) - value(before, DONE, kind=FAN_OUT) == 1
    lag = "chirp_feed_lag_seconds_count"
    assert value(after, lag) - value(before, lag) == 1
    for gauge in ("chirp_jobs_queued", "chirp_job_oldest_age_seconds", "chirp_jobs_parked"):
        assert (gauge, frozenset()) in after, gauge
    assert value(after, "chirp_db_pool_size") > 0

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert elsewhere.status_code == 404
    assert stopped == 0, log.read_text()  # SIGTERM: the worker and its endpoint stop cleanly
    assert not any(inherited.iterdir())  # its metrics are its own


def test_a_port_in_use_is_one_line_and_status_2(tmp_path: Path) -> None:
    env = chirp_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'chirp.db'}")
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [CHIRP, "worker", "--metrics-port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    in_use = f"chirp worker: cannot listen on {HOST}:{port}: Address already in use\n"
    assert result.stderr == in_use
