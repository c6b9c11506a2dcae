"""Fixtures of the Redis tests: one throwaway server for the run, emptied for each test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from devservers.redis import URL_ENV as REDIS_URL_ENV
from devservers.redis import redis_server_binary, throwaway_redis


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server for the whole run (never skipped under CI=true)."""
    if redis_server_binary() is None and not os.environ.get(REDIS_URL_ENV):
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but redis-server was not found")
        pytest.skip(f"redis-server not found; install it or set {REDIS_URL_ENV}")
    with throwaway_redis() as url:
        yield url


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the Redis server, emptied for this test."""
    client = Redis.from_url(redis_url)
    await client.flushdb()
    yield client
    await client.aclose()
