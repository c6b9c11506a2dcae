"""Fan-out throughput: timeline rows per second that the application writes for one post, and
that PostgreSQL writes with one ``INSERT ... SELECT`` of the same rows.

:func:`app_fan_out` times one post of an author from the request until every follower's
timeline holds it, however the application does it (inside POST /tweets, or in workers
after it); :func:`database_fan_out` times the statement alone on the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.database_reads import asyncpg_dsn
from bench.processes import expect, log
from bench.processes import request_json as http
from bench.scenarios import SETTINGS_CACHE_SECONDS

POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 300.0

_FOLLOWERS = "SELECT count(*) FROM follows WHERE followee_id = $1"
_ENTRIES = "SELECT count(*) FROM timeline_entries WHERE tweet_id = $1"
_DIRECT = (
    "INSERT INTO timeline_entries (user_id, tweet_id, position) "
    "SELECT follower_id, $1::bigint, $1::bigint FROM follows WHERE followee_id = $2"
)


@dataclass(frozen=True, slots=True)
class FanOutRun:
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seconds": round(self.seconds, 4),
            "rows_per_second": round(self.rows_per_second),
        }


@contextlib.contextmanager
def fanned_out_up_to(app_url: str, admin_token: str, followers: int) -> Iterator[None]:
    """``fanout_max_followers`` at least ``followers`` while the block runs (so that an
    author with that many followers is fanned out on write), then as it was."""
    url = app_url + "/api/v1/admin/settings"
    status, body = http("GET", url, token=admin_token)
    before = int(expect(status, body, 200, "GET /admin/settings")["fanout_max_followers"])
    if before >= followers:
        yield
        return
    status, body = http("PATCH", url, {"fanout_max_followers": followers}, token=admin_token)
    expect(status, body, 200, "PATCH /admin/settings")
    time.sleep(SETTINGS_CACHE_SECONDS)
    try:
        yield
    finally:
        status, body = http("PATCH", url, {"fanout_max_followers": before}, token=admin_token)
        expect(status, body, 200, "PATCH /admin/settings")
        time.sleep(SETTINGS_CACHE_SECONDS)


async def app_fan_out(
    app_url: str, author_token: str, author_id: int, database_url: str
) -> FanOutRun:
    """One POST /tweets by ``author_id``: the time from sending it until the tweet is in the
    author's and every follower's timeline, and how many rows that is."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        expected = 1 + int(await connection.fetchval(_FOLLOWERS, author_id))
        start = time.perf_counter()
        status, body = await asyncio.to_thread(
            http,
            "POST",
            app_url + "/api/v1/tweets",
            {"text": "Fan-out throughput probe"},
            author_token,
            TIMEOUT_SECONDS,
        )
        tweet_id = int(expect(status, body, 201, "POST /tweets (fan-out probe)")["id"])
        answered = time.perf_counter() - start
        rows = int(await connection.fetchval(_ENTRIES, tweet_id))
        while rows < expected:
            if time.perf_counter() - start > TIMEOUT_SECONDS:
                raise RuntimeError(f"fan-out of tweet {tweet_id}: {rows} of {expected} rows")
            await asyncio.sleep(POLL_SECONDS)
            rows = int(await connection.fetchval(_ENTRIES, tweet_id))
        seconds = time.perf_counter() - start
    finally:
        await connection.close()
    log(f"  app fan-out: {rows:,} rows in {seconds:.3f} s (201 after {answered:.3f} s)")
    return FanOutRun(rows, seconds)


async def database_fan_out(database_url: str, author_id: int) -> FanOutRun:
    """PostgreSQL's own ``INSERT ... SELECT`` of a new tweet's entries for every follower of
    ``author_id``, committed; the tweet and its entries are deleted again afterwards."""
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        tweet_id = int(
            await connection.fetchval(
                "INSERT INTO tweets (author_id, text, created_at) "
                "VALUES ($1, 'Direct fan-out probe', now()) RETURNING id",
                author_id,
            )
        )
        try:
            await connection.fetchval(_FOLLOWERS, author_id)  # the same warm cache as the app
            transaction = connection.transaction()
            start = time.perf_counter()
            await transaction.start()
            status = await connection.execute(_DIRECT, tweet_id, author_id)
            await transaction.commit()
            seconds = time.perf_counter() - start
        finally:
            await connection.execute("DELETE FROM timeline_entries WHERE tweet_id = $1", tweet_id)
            await connection.execute("DELETE FROM tweets WHERE id = $1", tweet_id)
    finally:
        await connection.close()
    rows = int(status.split()[-1])
    log(f"  PostgreSQL INSERT ... SELECT: {rows:,} rows in {seconds:.3f} s")
    return FanOutRun(rows, seconds)
