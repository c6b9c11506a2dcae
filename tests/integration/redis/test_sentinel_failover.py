"""The Redis master dies under a running ``chirp serve`` that found it through Sentinel
(``CHIRP_REDIS_URL=redis+sentinel://...``): while there is no master, what needs Redis
answers 503 with Retry-After (never another 5xx); once Sentinel has promoted the replica,
Chirp uses it by itself, with the shared state the replica had copied. With no Sentinel
answering at all, the same 503."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.redis_settings_cache import KEY as SETTINGS_KEY
from adapters.sql.engine import create_engine
from devservers.ports import free_port
from devservers.redis import SentinelSetup, redis_command, redis_server_binary, throwaway_sentinel
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.accounts import insert_users
from tests.support.api import API, PROBLEM_JSON, Account, assert_problem, login
from tests.support.app import TEST_SECRET, SharedEngine, serve
from tests.support.chirp_process import chirp_env, chirp_serve

WRONG = "not the password"
SENTINELS = 3
# Sentinel declares the master down after 1 s and promotes within a few more: Chirp must
# answer from the new master within this many seconds of the kill.
RECOVERY_BOUND = 10.0
REQUEST_BOUND = 15.0  # no request may take longer (the client gives up then)
SUCCESS = {"login": 200, "tweet": 201, "ready": 200}
PACE = 0.05


@pytest.fixture
def sentinel() -> Iterator[SentinelSetup]:
    """A Redis master, its replica and three Sentinels of this test's own."""
    if redis_server_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but redis-server was not found")
        pytest.skip("redis-server not found")
    with throwaway_sentinel(SENTINELS) as setup:
        yield setup


@dataclass
class Outcome:
    op: str
    started: float  # seconds on the test's monotonic clock
    ended: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    content_type: str = ""
    text: str = ""
    error: str | None = None

    def __repr__(self) -> str:
        what = self.error or f"{self.status} {self.text[:200]}"
        return f"<{self.op} at {self.started:.2f}s for {self.ended - self.started:.2f}s: {what}>"


async def _send(http: httpx.AsyncClient, op: str, account: Account) -> Outcome:
    """One request that needs Redis: a login (throttle and settings), a tweet (the author's
    write limit) or the readiness check (a PING)."""
    outcome = Outcome(op, time.monotonic())
    try:
        match op:
            case "login":
                response = await login(http, username=account.username)
            case "tweet":
                body = {"text": "through a failover"}
                response = await http.post(f"{API}/tweets", json=body, headers=account.auth)
            case "ready":
                response = await http.get("/health/ready")
            case _:
                raise AssertionError(op)
    except httpx.TransportError as error:
        outcome.error = repr(error)
    else:
        outcome.status = response.status_code
        outcome.retry_after = response.headers.get("retry-after")
        outcome.content_type = response.headers.get("content-type", "").split(";")[0]
        outcome.text = response.text
    outcome.ended = time.monotonic()
    return outcome


class Load:
    """One client per kind of request, each sending back to back until stopped."""

    def __init__(self, http: httpx.AsyncClient, accounts: dict[str, Account]) -> None:
        self.outcomes: list[Outcome] = []
        self._http = http
        self._accounts = accounts
        self._stop = asyncio.Event()
        self._answered = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._keep_sending(op)) for op in self._accounts]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _keep_sending(self, op: str) -> None:
        while not self._stop.is_set():
            outcome = await _send(self._http, op, self._accounts[op])
            self.outcomes.append(outcome)
            self._answered.set()
            # A light load: at most one request per PACE seconds from each client.
            with contextlib.suppress(TimeoutError):
                pause = outcome.started + PACE - time.monotonic()
                await asyncio.wait_for(self._stop.wait(), max(pause, 0))

    def all_succeeded(self, since: float) -> bool:
        """Every kind of request has succeeded at least once, sent at ``since`` or later."""
        done = {o.op for o in self.outcomes if o.started >= since and o.status == SUCCESS[o.op]}
        return done == set(SUCCESS)

    async def until_all_succeeded(self, since: float, within: float) -> None:
        deadline = since + within
        while not self.all_succeeded(since) and time.monotonic() < deadline:
            self._answered.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._answered.wait(), deadline - time.monotonic())


async def test_a_killed_redis_master_is_a_503_until_sentinel_promotes_the_replica(
    sentinel: SentinelSetup, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'chirp.db'}"
    env = {**chirp_env(tmp_path, database_url), "CHIRP_REDIS_URL": sentinel.url}
    with chirp_serve(env, tmp_path / "server.log") as served:
        engine = create_engine(database_url)
        try:
            alice, bob, dave = await insert_users(engine, "alice", "bob", "dave")
            (root,) = await insert_users(engine, "root", admin=True)
        finally:
            await engine.dispose()
        async with httpx.AsyncClient(base_url=served.url, timeout=REQUEST_BOUND) as http:
            # Shared state written before the fault: nine of dave's ten allowed failures,
            # copied to the replica.
            for _ in range(9):
                response = await login(http, password=WRONG, username=dave.username)
                assert_problem(response, 401, "invalid_credentials")
            sentinel.wait_for_replica()

            async with Load(http, {"login": alice, "tweet": bob, "ready": root}) as load:
                began = time.monotonic()
                await load.until_all_succeeded(began, within=10)
                assert load.all_succeeded(began), load.outcomes
                sentinel.kill_master()
                killed = time.monotonic()  # what is sent from now on meets a dead master
                await load.until_all_succeeded(killed, within=RECOVERY_BOUND)

            _assert_answers_through_the_failover(load, killed, served.log.read_text())
            assert served.process.poll() is None  # not restarted
            assert sentinel.master_port() == sentinel.replica.port

            # The state is still shared: dave's tenth failure counts with the nine made
            # before the fault, and a settings change reaches the new master.
            response = await login(http, password=WRONG, username=dave.username)
            assert_problem(response, 401, "invalid_credentials")
            assert_problem(await login(http, username=dave.username), 429, "too_many_attempts")
            changed = await http.patch(
                f"{API}/admin/settings", json={"access_token_ttl_seconds": 120}, headers=root.auth
            )
            assert changed.status_code == 200, changed.text
            stored = redis_command(sentinel.replica.port, "GET", SETTINGS_KEY)
            assert isinstance(stored, str)
            assert json.loads(stored)["access_token_ttl_seconds"] == 120
            assert (await login(http, username=alice.username)).json()["expires_in"] == 120


def _assert_answers_through_the_failover(load: Load, killed: float, log: str) -> None:
    """Never a 5xx but a 503 problem with Retry-After, never a request left hanging, and
    every kind of request succeeding again after the kill (the old master is dead: on the
    promoted replica)."""
    outcomes = load.outcomes
    assert [o for o in outcomes if o.error or o.status is None] == [], log[-3000:]
    assert [o for o in outcomes if o.status not in (SUCCESS[o.op], 503)] == [], log[-3000:]
    for refused in (o for o in outcomes if o.status == 503):
        assert refused.content_type == PROBLEM_JSON, refused
        assert int(refused.retry_after or "0") > 0, refused
    after = [o for o in outcomes if o.started >= killed]
    assert load.all_succeeded(killed), after
    recovered = min(o.ended for o in after if o.status == SUCCESS[o.op]) - killed
    print(  # the measurement, shown with -s
        f"\nRedis failover under load: first success {recovered:.2f}s after the kill; "
        f"{sum(o.status == 503 for o in after)} of {len(after)} requests since then "
        f"refused with 503; slowest {max(o.ended - o.started for o in after):.2f}s"
    )


async def test_no_sentinel_answering_is_a_503_problem(engine: AsyncEngine, tmp_path: Path) -> None:
    nowhere = f"redis+sentinel://127.0.0.1:{free_port()},127.0.0.1:{free_port()}/chirp/0"
    config = AppConfig(
        database_url=str(engine.url), jwt_secret=TEST_SECRET, media_dir=tmp_path, redis_url=nowhere
    )
    async with serve(create_app(config, SharedEngine(engine))) as client:
        assert (await client.get("/health")).status_code == 200
        assert_problem(await client.get("/health/ready"), 503, "service_unavailable")

        response = await login(client, username="alice")

        body = assert_problem(response, 503, "service_unavailable")
        assert "redis" not in body["detail"].lower()
        assert "retry-after" in response.headers
