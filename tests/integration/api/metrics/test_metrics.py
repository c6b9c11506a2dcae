"""GET /metrics: Prometheus text, requests by route template and status, latency
histograms, the database pool, and who may read it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.api import API, assert_problem, assert_unauthorized, register
from tests.support.app import TEST_SECRET
from tests.support.jobs import drain
from tests.support.metrics import Samples, scrape, value

TOKEN = "metrics-token-0123456789abcdef"
TWEET_ROUTE = "/api/v1/tweets/{tweet_id}"


def app_on(database_url: str, tmp_path: Path, metrics_token: str | None = None) -> Litestar:
    """The app with its own engine (so its pool is the one observed), as ``chirp serve``
    builds it."""
    config = AppConfig(
        database_url=database_url,
        jwt_secret=TEST_SECRET,
        media_dir=tmp_path / "media",
        data_dir=tmp_path / "data",
        metrics_token=metrics_token,
    )
    return create_app(config)


@asynccontextmanager
async def served(
    app: Litestar, client: tuple[str, int] = ("127.0.0.1", 50000)
) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling ``app`` from the TCP peer ``client``."""
    transport = httpx.ASGITransport(app=app, client=client)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await app.state.dishka_container.close()


HISTOGRAM = "chirp_http_request_duration_seconds"


def requests_counted(samples: Samples, route: str, status: int, method: str = "GET") -> float:
    """The histogram's ``_count``: the requests answered."""
    return value(samples, f"{HISTOGRAM}_count", method=method, route=route, status=str(status))


@pytest.fixture
def database_url_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


async def test_requests_are_counted_by_route_template_and_status(
    database_url_of: str, tmp_path: Path
) -> None:
    async with served(app_on(database_url_of, tmp_path)) as http:
        alice = await register(http)
        posted = await http.post(f"{API}/tweets", json={"text": "hello"}, headers=alice.auth)
        assert posted.status_code == 201
        before = await scrape(http)

        for _ in range(2):
            assert (await http.get(f"{API}/tweets/{posted.json()['id']}")).status_code == 200
        assert (await http.get(f"{API}/tweets/987654321")).status_code == 404
        assert (await http.get("/no/such/path/42")).status_code == 404
        assert (await http.request("BREW", "/health")).status_code == 405
        after = await scrape(http)

    def moved(route: str, status: int, method: str = "GET") -> float:
        return requests_counted(after, route, status, method) - requests_counted(
            before, route, status, method
        )

    assert moved(TWEET_ROUTE, 200) == 2
    assert moved(TWEET_ROUTE, 404) == 1
    # Paths that match no route share one series; methods outside HTTP's are "other".
    assert moved("unmatched", 404) == 1
    assert moved("unmatched", 405, method="other") == 1
    assert moved("/metrics", 200) == 1  # the first scrape
    # Never the raw path: the label set stays as small as the app's routes.
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and "987654321" in route for route in routes)
    assert not any(route and route.startswith("/no/") for route in routes)
    assert requests_counted(after, f"{API}/auth/register", 201, "POST") >= 1

    # The latency histogram: every bucket, cumulative, up to the count of requests.
    labels = {"method": "GET", "route": TWEET_ROUTE, "status": "200"}
    buckets = {
        dict(key)["le"]: sample
        for (name, key), sample in after.items()
        if name == f"{HISTOGRAM}_bucket" and {k: v for k, v in key if k != "le"} == labels
    }
    assert {"0.001", "0.01", "0.1", "1.0", "10.0", "+Inf"} <= set(buckets)
    ordered = sorted(buckets.items(), key=lambda item: float(item[0]))
    assert [count for _, count in ordered] == sorted(count for _, count in ordered)
    assert buckets["+Inf"] == value(after, f"{HISTOGRAM}_count", **labels)
    assert value(after, f"{HISTOGRAM}_sum", **labels) > value(before, f"{HISTOGRAM}_sum", **labels)


async def test_database_pool_as_sqlalchemy_counts_it(database_url_of: str, tmp_path: Path) -> None:
    app = app_on(database_url_of, tmp_path)
    async with served(app) as http:
        assert (await http.get("/health/ready")).status_code == 200
        engine = await app.state.dishka_container.get(AsyncEngine)
        pool: Any = engine.pool

        async def pool_seen() -> tuple[float, ...]:
            samples = await scrape(http)
            metrics = ("size", "checked_out", "overflow")
            return tuple(value(samples, f"chirp_db_pool_{name}") for name in metrics)

        def pool_status() -> tuple[float, ...]:
            return (pool.size(), pool.checkedout(), max(0, pool.overflow()))

        idle = await pool_seen()
        assert idle == pool_status()
        async with AsyncExitStack() as held:
            for _ in range(pool.size() + 1):
                await held.enter_async_context(engine.connect())
            busy = await pool_seen()
            assert busy == pool_status()
        released = await pool_seen()
        assert released == pool_status()

    assert busy[1] == idle[1] + pool.size() + 1  # checked out
    assert busy[2] >= 1  # beyond pool_size
    assert released[1] == idle[1]


# Access: /metrics never touches the database, so these run once, on an unused SQLite URL.


def quiet_app(tmp_path: Path, metrics_token: str | None = None) -> Litestar:
    return app_on(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", tmp_path, metrics_token)


async def test_with_a_token_only_its_bearer_reads_the_metrics(tmp_path: Path) -> None:
    async with served(quiet_app(tmp_path, TOKEN)) as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        other_scheme = await http.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        right = await http.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})

    # Loopback is no exception once a token is set.
    assert_unauthorized(missing, "not_authenticated")
    assert missing.headers["www-authenticate"] == "Bearer"
    assert_unauthorized(wrong, "not_authenticated")
    assert wrong.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert_unauthorized(other_scheme, "not_authenticated")
    assert TOKEN not in missing.text + wrong.text
    assert right.status_code == 200
    assert list(text_string_to_metric_families(right.text))


async def test_a_token_works_from_anywhere(tmp_path: Path) -> None:
    async with served(quiet_app(tmp_path, TOKEN), client=("203.0.113.9", 4711)) as http:
        response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_without_a_token_loopback_clients_read_the_metrics(tmp_path: Path, peer: str) -> None:
    async with served(quiet_app(tmp_path), client=(peer, 4711)) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200


@pytest.mark.parametrize("peer", ["203.0.113.9", "10.0.0.5", "2001:db8::1", "::ffff:10.0.0.5"])
async def test_without_a_token_other_clients_are_refused(tmp_path: Path, peer: str) -> None:
    async with served(quiet_app(tmp_path), client=(peer, 4711)) as http:
        response = await http.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert_problem(response, 403, "metrics_local_only")


@pytest.mark.parametrize(
    "header",
    [
        ("X-Forwarded-For", "203.0.113.9"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("Forwarded", "for=203.0.113.9"),
        ("X-Real-IP", "203.0.113.9"),
    ],
)
async def test_without_a_token_a_request_a_local_proxy_relayed_is_refused(
    tmp_path: Path, header: tuple[str, str]
) -> None:
    """A reverse proxy on the same machine connects from loopback for every client."""
    async with served(quiet_app(tmp_path)) as http:
        response = await http.get("/metrics", headers=dict([header]))
    assert_problem(response, 403, "metrics_local_only")


async def test_the_queue_series_move_when_jobs_are_queued_and_done(
    database_url_of: str, tmp_path: Path
) -> None:
    app = app_on(database_url_of, tmp_path)
    async with served(app) as http:
        alice = await register(http)
        bob = await register(http, "bob")
        await http.post(f"{API}/users/{alice.username}/follow", headers=bob.auth)
        await drain(app)
        before = await scrape(http)
        assert (value(before, "chirp_jobs_queued"), value(before, "chirp_jobs_parked")) == (0, 0)

        posted = await http.post(f"{API}/tweets", json={"text": "hi"}, headers=alice.auth)
        assert posted.status_code == 201
        queued = await scrape(http)
        await drain(app)
        after = await scrape(http)

    assert value(queued, "chirp_jobs_queued") == 3  # the fan-out, indexing and notifying
    assert value(queued, "chirp_job_oldest_age_seconds") >= 0
    assert value(after, "chirp_jobs_queued") == 0

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("chirp_jobs_done_total", kind="feed.fan_out") == 1
    assert moved("chirp_jobs_failed_total", kind="feed.fan_out") == 0
    assert moved("chirp_feed_lag_seconds_count") == 1
