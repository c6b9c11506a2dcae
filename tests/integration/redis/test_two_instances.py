"""Two Chirp instances on one database and one Redis (CHIRP_REDIS_URL) share their
throttle counts and see a settings change within the contract's 5 seconds."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from dishka import Provider
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from application.ports.clock import Clock
from devservers.ports import free_port
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.accounts import register_admin
from tests.support.api import API, PASSWORD, assert_problem, login, register
from tests.support.app import TEST_SECRET, SharedEngine, serve
from tests.support.doubles import ManualClock
from tests.support.wiring import override

SETTINGS = f"{API}/admin/settings"
# "Every running instance applies a change within 5 seconds."
CONTRACT_BOUND_SECONDS = 5.0
WRONG = "not the password"


@asynccontextmanager
async def instance(
    engine: AsyncEngine, redis_url: str, media_dir: Path, *providers: Provider
) -> AsyncIterator[httpx.AsyncClient]:
    """One Chirp instance on the test's database, with CHIRP_REDIS_URL set."""
    config = AppConfig(
        database_url=str(engine.url),
        jwt_secret=TEST_SECRET,
        media_dir=media_dir,
        redis_url=redis_url,
    )
    async with serve(create_app(config, SharedEngine(engine), *providers)) as client:
        yield client


async def test_login_failures_on_either_instance_count_against_one_limit(
    engine: AsyncEngine, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    async with (
        instance(engine, redis_url, tmp_path) as first,
        instance(engine, redis_url, tmp_path) as second,
    ):
        assert (await first.get("/health/ready")).status_code == 200  # Redis answers
        await register(first, "alice")
        # Ten failures (the per-account limit), alternating between the instances.
        for attempt in range(10):
            either = (first, second)[attempt % 2]
            response = await login(either, password=WRONG, username="alice")
            assert_problem(response, 401, "invalid_credentials")

        for either in (first, second):
            response = await login(either, username="alice")
            assert_problem(response, 429, "too_many_attempts")
            assert 0 < int(response.headers["retry-after"]) <= 15 * 60


async def test_a_success_on_one_instance_clears_the_failures_for_both(
    engine: AsyncEngine, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    async with (
        instance(engine, redis_url, tmp_path) as first,
        instance(engine, redis_url, tmp_path) as second,
    ):
        await register(first, "alice")
        for _ in range(9):
            assert (await login(second, password=WRONG, username="alice")).status_code == 401
        assert (await login(first, username="alice")).status_code == 200

        for _ in range(10):
            assert (await login(second, password=WRONG, username="alice")).status_code == 401
        assert_problem(await login(first, username="alice"), 429, "too_many_attempts")


async def test_a_settings_change_on_one_instance_applies_on_the_other(
    engine: AsyncEngine, redis_url: str, redis: Redis, tmp_path: Path
) -> None:
    # The second instance's clock stands still: its own cache would never expire, so only
    # the shared copy can bring it the change.
    frozen = override(Clock, ManualClock(datetime.now(UTC)))
    async with (
        instance(engine, redis_url, tmp_path) as first,
        instance(engine, redis_url, tmp_path, frozen) as second,
    ):
        admin = await register_admin(first, engine)
        await register(second, "alice")
        # The second instance has applied (and cached) the settings before the change.
        assert (await login(second, username="alice")).json()["expires_in"] == 30

        changes = {"access_token_ttl_seconds": 120, "login_failures_per_account": 3}
        response = await first.patch(SETTINGS, json=changes, headers=admin.auth)
        assert response.status_code == 200, response.text

        deadline = time.monotonic() + CONTRACT_BOUND_SECONDS
        expires_in = 30
        while expires_in != 120 and time.monotonic() < deadline:
            expires_in = (await login(second, username="alice")).json()["expires_in"]
        assert expires_in == 120

        # The new throttling limit applies there too (a success cleared the failures).
        for _ in range(3):
            assert (await login(second, password=WRONG, username="alice")).status_code == 401
        assert_problem(await login(second, username="alice"), 429, "too_many_attempts")


async def test_an_unreachable_redis_is_a_503_problem(engine: AsyncEngine, tmp_path: Path) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    async with instance(engine, nowhere, tmp_path) as client:
        assert (await client.get("/health")).status_code == 200
        ready = await client.get("/health/ready")
        assert_problem(ready, 503, "service_unavailable")

        response = await client.post(
            f"{API}/auth/login", json={"username": "alice", "password": PASSWORD}
        )

        body = assert_problem(response, 503, "service_unavailable")
        assert "redis" not in body["detail"].lower()
        assert "retry-after" in response.headers
