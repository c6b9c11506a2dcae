"""``chirp serve --workers 2``: a scrape answered by either worker counts the whole server's
requests, from a metrics directory of its own that it removes when it stops."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.chirp_process import ServedChirp, chirp_env, chirp_serve

REQUESTS = 40
SCRAPES = 6
# A new TCP connection for every request, so the kernel spreads them over the workers
# (Granian's workers share the port with SO_REUSEPORT).
NEW_CONNECTION = {"Connection": "close"}


def wait_for_workers(served: ServedChirp, workers: int) -> None:
    """Until every worker has started: the first answers /health before the others are up,
    and Granian (2.5) hangs if stopped while a worker is still starting."""
    deadline = time.monotonic() + 30
    while served.log.read_text().count('"Started worker-') < workers:
        assert served.process.poll() is None, served.log.read_text()
        assert time.monotonic() < deadline, "the workers did not all start"
        time.sleep(0.05)


def health_requests_counted(http: httpx.Client) -> float:
    response = http.get("/metrics", headers=NEW_CONNECTION)
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "chirp_http_request_duration_seconds_count" and sample.labels == {
                "method": "GET",
                "route": "/health",
                "status": "200",
            }:
                return sample.value
    return 0.0


def test_every_worker_counts_into_each_scrape(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = chirp_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'chirp.db'}")
    env["TMPDIR"] = str(temporary)  # where `chirp serve` makes its metrics directory
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "not-this-one")  # never reused

    with chirp_serve(env, tmp_path / "server.log", workers=2) as served:
        wait_for_workers(served, 2)
        (directory,) = temporary.glob("chirp-metrics-*")
        assert directory.stat().st_mode & 0o777 == 0o700
        with httpx.Client(base_url=served.url, timeout=5) as http:
            before = health_requests_counted(http)
            for _ in range(REQUESTS):
                assert http.get("/health", headers=NEW_CONNECTION).status_code == 200
            scraped = [health_requests_counted(http) for _ in range(SCRAPES)]
        workers_counting = {
            match.group(1)
            for path in directory.glob("histogram_*.db")
            if (match := re.fullmatch(r"histogram_(\d+)\.db", path.name))
        }

    assert scraped == [before + REQUESTS] * SCRAPES
    assert len(workers_counting) == 2  # both workers answered requests
    assert not directory.exists()
    assert not (tmp_path / "not-this-one").exists()
