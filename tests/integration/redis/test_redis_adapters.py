"""The Redis adapters against a real server: the attempt log behaves exactly like the
in-process one (every behaviour test runs on both), and the shared settings copy."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from adapters.memory.attempt_log import InMemoryAttemptLog
from adapters.redis_attempt_log import RedisAttemptLog
from adapters.redis_recent_writes import RedisRecentWrites
from adapters.redis_settings_cache import RedisSettingsCache
from adapters.settings_cache import SETTINGS_MAX_AGE
from application.ports.attempt_log import AttemptLog
from domain.settings import RuntimeSettings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
SECOND = timedelta(seconds=1)
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture(params=["memory", "redis"])
def attempts(request: pytest.FixtureRequest) -> AttemptLog:
    if request.param == "memory":
        return InMemoryAttemptLog()
    redis: Redis = request.getfixturevalue("redis")
    return RedisAttemptLog(redis)


async def fill(attempts: AttemptLog, key: str, limit: int, *moments: datetime) -> None:
    for moment in moments:
        assert await attempts.acquire(key, limit, WINDOW, moment) is None, moment


# --- the AttemptLog contract, on both adapters ---------------------------------------------


async def test_the_limit_is_hit_exactly(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 3, T0, T0 + SECOND, T0 + 2 * SECOND)

    wait = await attempts.acquire("k", 3, WINDOW, T0 + 3 * SECOND)

    # The oldest attempt (T0) leaves the window at T0 + WINDOW.
    assert wait == WINDOW - 3 * SECOND


async def test_an_attempt_leaves_the_window_exactly_after_it(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 2, T0, T0 + SECOND)

    assert await attempts.acquire("k", 2, WINDOW, T0 + WINDOW - MICROSECOND) == MICROSECOND
    assert await attempts.acquire("k", 2, WINDOW, T0 + WINDOW) is None
    # Now T0 + 1 s and T0 + WINDOW are in: the next one is due when T0 + 1 s leaves.
    assert await attempts.acquire("k", 2, WINDOW, T0 + WINDOW) == SECOND


async def test_refused_attempts_do_not_count(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 2, T0, T0)
    for minute in range(1, 15):
        assert await attempts.acquire("k", 2, WINDOW, T0 + timedelta(minutes=minute)) is not None

    await fill(attempts, "k", 2, T0 + WINDOW, T0 + WINDOW)


async def test_attempts_at_the_same_instant_count_separately(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 3, T0, T0, T0)

    assert await attempts.acquire("k", 3, WINDOW, T0) == WINDOW


async def test_a_lowered_limit_waits_for_enough_attempts_to_leave(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 5, *(T0 + n * SECOND for n in range(5)))

    # Five in the window, two allowed: the fourth oldest (T0 + 3 s) must leave first.
    wait = await attempts.acquire("k", 2, WINDOW, T0 + 10 * SECOND)

    assert wait == WINDOW - 7 * SECOND


async def test_release_forgets_one_attempt_recorded_at_that_instant(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 3, T0, T0 + SECOND, T0 + SECOND)

    await attempts.release("k", T0 + SECOND)

    await fill(attempts, "k", 3, T0 + 2 * SECOND)
    assert await attempts.acquire("k", 3, WINDOW, T0 + 2 * SECOND) is not None


async def test_release_of_an_instant_never_recorded_changes_nothing(
    attempts: AttemptLog,
) -> None:
    await fill(attempts, "k", 2, T0, T0 + SECOND)

    await attempts.release("k", T0 + MICROSECOND)
    await attempts.release("other", T0)

    assert await attempts.acquire("k", 2, WINDOW, T0 + 2 * SECOND) == WINDOW - 2 * SECOND


async def test_clear_forgets_every_attempt_of_one_key(attempts: AttemptLog) -> None:
    await fill(attempts, "k", 2, T0, T0)
    await fill(attempts, "other", 2, T0, T0)

    await attempts.clear("k")

    await fill(attempts, "k", 2, T0, T0)
    assert await attempts.acquire("other", 2, WINDOW, T0) is not None


# --- Redis specifics ----------------------------------------------------------------------


async def test_concurrent_acquires_from_two_instances_admit_exactly_the_limit(
    redis_url: str, redis: Redis
) -> None:
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    logs = [RedisAttemptLog(client) for client in clients]
    try:
        results = await asyncio.gather(
            *(logs[n % 2].acquire("k", 10, WINDOW, T0 + n * MICROSECOND) for n in range(50))
        )
    finally:
        for client in clients:
            await client.aclose()

    assert sum(result is None for result in results) == 10
    assert await redis.zcard("chirp:attempts:k") == 10


async def test_keys_are_prefixed_and_expire_with_the_window(redis: Redis) -> None:
    attempts = RedisAttemptLog(redis)
    await fill(attempts, "login:user:1", 3, T0)

    assert await redis.keys("*") == [b"chirp:attempts:login:user:1"]
    ttl = await redis.pttl("chirp:attempts:login:user:1")
    assert WINDOW - 5 * SECOND < timedelta(milliseconds=ttl) <= WINDOW


async def test_a_limit_below_one_is_refused(redis: Redis) -> None:
    with pytest.raises(ValueError, match="limit"):
        await RedisAttemptLog(redis).acquire("k", 0, WINDOW, T0)


# --- the shared settings copy -------------------------------------------------------------


async def test_a_committed_change_wins_over_a_copy_read_before_it(redis: Redis) -> None:
    cache = RedisSettingsCache(redis)
    before, after = RuntimeSettings(), RuntimeSettings(access_token_ttl_seconds=120)

    await cache.replace(after, T0)
    # An instance that read the storage just before the commit fills in late.
    await cache.fill(before, T0)

    assert await cache.fresh(T0) == after


async def test_the_shared_copy_expires_within_the_cache_bound(redis: Redis) -> None:
    cache = RedisSettingsCache(redis)
    assert await cache.fresh(T0) is None

    await cache.fill(RuntimeSettings(max_image_bytes=2048), T0)

    assert await cache.fresh(T0) == RuntimeSettings(max_image_bytes=2048)
    ttl = await redis.pttl("chirp:settings")
    assert timedelta(0) < timedelta(milliseconds=ttl) <= SETTINGS_MAX_AGE


@pytest.mark.parametrize(
    "stored",
    [b"not json", b"[1, 2]", json.dumps({"access_token_ttl_seconds": 1}).encode()],
    ids=["garbage", "not-an-object", "out-of-range"],
)
async def test_an_unreadable_shared_copy_is_ignored(redis: Redis, stored: bytes) -> None:
    await redis.set("chirp:settings", stored)

    assert await RedisSettingsCache(redis).fresh(T0) is None


# --- who wrote lately (read-your-writes with replicas) -------------------------------------


async def test_a_noted_write_is_seen_by_every_instance_for_as_long_as_asked(
    redis: Redis, redis_url: str
) -> None:
    other_instance = Redis.from_url(redis_url)
    try:
        await RedisRecentWrites(redis).note(7, timedelta(seconds=5))
        assert await RedisRecentWrites(other_instance).noted(7)
        assert not await RedisRecentWrites(other_instance).noted(8)
    finally:
        await other_instance.aclose()
    ttl = await redis.pttl("chirp:wrote:7")
    assert 4 * SECOND < timedelta(milliseconds=ttl) <= 5 * SECOND
