"""Two instances sharing one Redis (CHIRP_REDIS_URL) count a user's writes together, and
share idempotency keys through their one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.redis_attempt_log import RedisAttemptLog
from application.ports.attempt_log import Quota
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.accounts import insert_users
from tests.support.api import API, assert_problem
from tests.support.app import TEST_SECRET, SharedEngine, serve
from tests.support.settings import store_settings

TWEETS = f"{API}/tweets"


@asynccontextmanager
async def instance(
    engine: AsyncEngine, redis_url: str, media_dir: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """One Chirp instance on the test's database, with CHIRP_REDIS_URL set."""
    config = AppConfig(
        database_url=str(engine.url),
        jwt_secret=TEST_SECRET,
        media_dir=media_dir,
        redis_url=redis_url,
    )
    async with serve(create_app(config, SharedEngine(engine))) as client:
        yield client


async def test_writes_on_either_instance_count_against_one_limit(
    engine: AsyncEngine, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    await store_settings(engine, writes_per_user_per_hour=4)
    (alice,) = await insert_users(engine, "alice")
    async with (
        instance(engine, redis_url, tmp_path) as first,
        instance(engine, redis_url, tmp_path) as second,
    ):
        allowed = [
            await (first, second)[n % 2].post(TWEETS, json={"text": "hi"}, headers=alice.auth)
            for n in range(4)
        ]
        refused = [
            await either.post(TWEETS, json={"text": "hi"}, headers=alice.auth)
            for either in (first, second)
        ]

    assert [r.status_code for r in allowed] == [201] * 4
    assert [r.headers["ratelimit"].split(";")[1] for r in allowed] == [
        "r=3",
        "r=2",
        "r=1",
        "r=0",
    ]
    for response in refused:
        assert_problem(response, 429, "too_many_requests")
        assert int(response.headers["retry-after"]) >= 1


async def test_a_key_used_on_one_instance_is_replayed_by_the_other(
    engine: AsyncEngine, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    await store_settings(engine, writes_per_user_per_hour=10)
    (alice,) = await insert_users(engine, "alice")
    headers = {**alice.auth, "Idempotency-Key": "shared"}
    async with (
        instance(engine, redis_url, tmp_path) as first,
        instance(engine, redis_url, tmp_path) as second,
    ):
        created = await first.post(TWEETS, json={"text": "hi"}, headers=headers)
        replayed = await second.post(TWEETS, json={"text": "hi"}, headers=headers)
        after = await second.post(TWEETS, json={"text": "next"}, headers=alice.auth)

    assert created.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == created.content
    assert after.headers["ratelimit"] == '"writes";r=8;t=0'  # the replay was not counted


async def test_redis_attempt_log_tells_what_is_left_and_when(redis: Redis) -> None:
    attempts = RedisAttemptLog(redis)
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    hour = timedelta(hours=1)

    first = await attempts.take("write:user:1", 2, hour, start)
    second = await attempts.take("write:user:1", 2, hour, start + timedelta(minutes=10))
    refused = await attempts.take("write:user:1", 2, hour, start + timedelta(minutes=20))

    assert first == Quota(recorded=True, remaining=1, wait=timedelta(0))
    assert second == Quota(recorded=True, remaining=0, wait=timedelta(minutes=50))
    assert refused == Quota(recorded=False, remaining=0, wait=timedelta(minutes=40))
