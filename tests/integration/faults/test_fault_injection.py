"""Fault injection: the database goes away under a running ``chirp serve`` and comes back.

PostgreSQL: a cluster of this module's own (restarting it disturbs no other test) serves a
real server process while a bounded mixed load runs; PostgreSQL is stopped (fast shutdown)
for a few seconds and started again on the same port and data. The API must answer 503
problems (never another 5xx) while the database is down, recover within seconds of its
return, and keep every write it acknowledged; after a restart while idle, the very first
requests succeed. A fake server refusing connections as a starting PostgreSQL does pins
that answer to a 503 on every path. SQLite: a write blocked by another process's lock is
retried for the busy timeout, then refused with a 503 that changed nothing.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, literal_column, select

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.statements import ReadQuery
from adapters.sql.tables import tweets as tweets_table
from adapters.sql.unit_of_work import SqlUnitOfWork
from devservers.postgres import (
    ThrowawayPostgres,
    postgres_binaries,
    throwaway_cluster,
)
from entrypoints.config import AppConfig
from entrypoints.di import make_container
from entrypoints.http.app import create_app
from tests.support.accounts import insert_users
from tests.support.api import LEAK_MARKERS, PASSWORD, PROBLEM_JSON, Account, assert_problem
from tests.support.app import TEST_SECRET, make_app, serve
from tests.support.chirp_process import ServedChirp, chirp_env, chirp_serve
from tests.support.jobs import assert_derived_work_done
from tests.support.mixed_load import Load, Outcome, follow_in_a_ring_and_post
from tests.support.tokens import mint_access_token

API = "/api/v1"
RATE = 50.0  # requests per second, over all clients
CLIENTS = 8
HEALTHY_BEFORE = 5.0  # seconds of load before PostgreSQL stops
DOWNTIME = 5.0  # seconds PostgreSQL stays down
OBSERVED_AFTER = 10.0  # seconds of load after PostgreSQL is back
RECOVERY_BOUND = 5.0  # a DB-touching 2xx within this many seconds of the return
DERIVED_WITHIN = 30.0  # seconds for the workers to finish the derived work after the load
REQUEST_BOUND = 10.0  # no request may take longer
# One cycle of operations; every one of them needs the database.
LOAD = Load(
    mix=("me", "tweet", "feed", "like", "ready", "me", "tweet", "login"),
    rate=RATE,
    clients=CLIENTS,
    request_bound=REQUEST_BOUND,
)


@dataclass
class ChirpServer:
    url: str
    log: Path
    accounts: list[Account]
    seed_tweets: list[int] = field(default_factory=list)

    def log_tail(self, limit: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-limit:]

    def errors(self) -> str:
        """The server's ERROR records, with their tracebacks (an unhandled error's cause)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if '"level": "ERROR"' in line)


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster for this module only (the session's is shared by other tests)."""
    if postgres_binaries() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL server binaries were found")
        pytest.skip("PostgreSQL binaries not found; set CHIRP_PG_BIN")
    with throwaway_cluster("chirp_faults") as server:
        yield server


@pytest.fixture(scope="module")
def server_process(
    cluster: ThrowawayPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedChirp]:
    """``chirp serve`` on the module's cluster (it applies the migrations first)."""
    root = tmp_path_factory.mktemp("chirp-faults")
    with chirp_serve(chirp_env(root, cluster.url), root / "server.log", ready=False) as served:
        yield served


@pytest.fixture(scope="module")
async def chirp_server(server_process: ServedChirp, cluster: ThrowawayPostgres) -> ChirpServer:
    """The server once ready, with users holding long-lived tokens and a tweet each."""
    server = ChirpServer(server_process.url, server_process.log, [])
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as http:
        deadline = time.monotonic() + 30
        while True:
            exited = server_process.process.poll() is not None
            assert not exited, f"chirp serve exited:\n{server.log_tail()}"
            assert time.monotonic() < deadline, f"not ready:\n{server.log_tail()}"
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        engine = create_engine(cluster.url)
        try:
            names = [f"fault_{i}" for i in range(CLIENTS)]
            server.accounts = await insert_users(engine, *names)
        finally:
            await engine.dispose()
        server.seed_tweets = await follow_in_a_ring_and_post(http, server.accounts)
    return server


async def restart_postgres(
    cluster: ThrowawayPostgres, clock: Callable[[], float], times: dict[str, float]
) -> None:
    """Stop PostgreSQL ``HEALTHY_BEFORE`` seconds in, keep it down ``DOWNTIME`` seconds,
    start it again; records when each step began and ended."""
    await asyncio.sleep(HEALTHY_BEFORE)
    times["stopping"] = clock()
    await asyncio.to_thread(cluster.stop)
    times["down"] = clock()
    await asyncio.sleep(DOWNTIME)
    times["starting"] = clock()
    await asyncio.to_thread(cluster.start)
    times["back"] = clock()


def assert_503_problem(outcome: Outcome) -> None:
    assert outcome.content_type == PROBLEM_JSON, outcome
    assert outcome.body["status"] == 503, outcome
    assert outcome.body["code"] == "service_unavailable", outcome
    for marker in LEAK_MARKERS:
        assert marker not in outcome.text, outcome


async def test_postgres_restart_under_load(
    chirp_server: ChirpServer, cluster: ThrowawayPostgres, postgres_only: None
) -> None:
    times: dict[str, float] = {}
    begun = time.monotonic()

    def clock() -> float:
        return time.monotonic() - begun

    def duration() -> float:
        # Until OBSERVED_AFTER seconds after PostgreSQL is back (a bound if it never is).
        back = times.get("back", HEALTHY_BEFORE + DOWNTIME + 15)
        return back + OBSERVED_AFTER

    restart = asyncio.create_task(restart_postgres(cluster, clock, times))
    outcomes = await LOAD.run(
        chirp_server.url, chirp_server.accounts, chirp_server.seed_tweets, duration, clock
    )
    await restart
    log = chirp_server.log_tail()

    # Every request was answered, in bounded time.
    failed = [o for o in outcomes if o.error is not None]
    assert not failed, (failed[:10], log)
    slowest = max(outcomes, key=lambda o: o.duration)
    assert slowest.duration < REQUEST_BOUND, slowest

    # Only the success status of each operation, or a 503 problem: no 500, no other error.
    unexpected = [o for o in outcomes if not o.ok and o.status != 503]
    # A string, so that pytest shows all of it (the server's tracebacks) when it fails.
    assert not unexpected, (
        f"{Counter((o.op, o.status) for o in unexpected)} {unexpected[:5]}\n{chirp_server.errors()}"
    )
    unavailable = [o for o in outcomes if o.status == 503]
    for outcome in unavailable:
        assert_503_problem(outcome)

    # While the database was down, the API said so: readiness included.
    while_down = [
        o for o in outcomes if o.started >= times["down"] and o.ended <= times["starting"]
    ]
    assert while_down, times
    assert all(o.status == 503 for o in while_down if o.op == "ready"), while_down
    assert any(o.op == "ready" for o in while_down), while_down
    down_503 = [o for o in while_down if o.status == 503]
    assert down_503, while_down

    # Back within RECOVERY_BOUND seconds of PostgreSQL accepting connections, and for good.
    after = [o for o in outcomes if o.started >= times["back"]]
    first_ok = next((o for o in after if o.ok), None)
    assert first_ok is not None, (after[:10], log)
    recovery = first_ok.ended - times["back"]
    assert recovery <= RECOVERY_BOUND, (recovery, after[:10])
    settled = [o for o in after if o.started >= times["back"] + RECOVERY_BOUND]
    assert settled
    still_failing = [o for o in settled if not o.ok]
    assert not still_failing, (still_failing[:10], log)

    # No acknowledged write was lost: every 201 tweet and every 200 like is there.
    tweets = [o for o in outcomes if o.op == "tweet" and o.status == 201]
    likes = [o for o in outcomes if o.op == "like" and o.status == 200]
    async with httpx.AsyncClient(base_url=chirp_server.url, timeout=REQUEST_BOUND) as http:
        for outcome in tweets:
            response = await http.get(f"{API}/tweets/{outcome.tweet_id}")
            assert response.status_code == 200, (outcome, response.text)
            assert response.json()["text"] == outcome.marker
        for outcome in likes:
            response = await http.get(
                f"{API}/tweets/{outcome.tweet_id}", headers=outcome.account.auth
            )
            assert response.status_code == 200, (outcome, response.text)
            assert response.json()["liked_by_me"] is True, outcome

    # The derived work of those writes, pending while PostgreSQL was down, is all done.
    await assert_derived_work_done(cluster.url, within=DERIVED_WITHIN)

    # Nothing failed behind the responses either (e.g. a request scope's clean-up).
    server_log = chirp_server.log.read_text(errors="replace")
    assert "Traceback" not in server_log, chirp_server.log_tail()
    assert '"level": "ERROR"' not in server_log, chirp_server.log_tail()

    statuses = Counter(o.status for o in outcomes)
    print(
        f"\nfault run: {len(outcomes)} requests in {clock():.1f} s, by status {dict(statuses)}; "
        f"PostgreSQL stopped at {times['stopping']:.1f} s (down at {times['down']:.1f} s), "
        f"started at {times['starting']:.1f} s, accepting at {times['back']:.1f} s; "
        f"{len(unavailable)} 503s ({len(down_503)} while down); first 2xx "
        f"{recovery:.2f} s after the return ({first_ok.op}); slowest request "
        f"{slowest.duration:.2f} s; writes acknowledged and verified: "
        f"{len(tweets)} tweets, {len(likes)} likes"
    )


async def test_first_requests_after_an_idle_restart_succeed(
    chirp_server: ChirpServer, cluster: ThrowawayPostgres, postgres_only: None
) -> None:
    """With the pool and the kept read connections warm, PostgreSQL restarts while the
    server is idle: the very first read and the very first write afterwards succeed."""
    account = chirp_server.accounts[0]
    async with httpx.AsyncClient(base_url=chirp_server.url, timeout=REQUEST_BOUND) as http:

        async def warm(call: Awaitable[httpx.Response], wanted: int) -> None:
            response = await call
            assert response.status_code == wanted, response.text

        # Enough at once to hold several pooled and several read connections.
        await asyncio.gather(
            *(warm(http.get(f"{API}/me", headers=a.auth), 200) for a in chirp_server.accounts),
            *(
                warm(http.post(f"{API}/tweets", json={"text": "warm"}, headers=a.auth), 201)
                for a in chirp_server.accounts
            ),
            *(warm(http.get(f"{API}/feed", headers=a.auth), 200) for a in chirp_server.accounts),
        )

        await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.start)

        me = await http.get(f"{API}/me", headers=account.auth)
        assert me.status_code == 200, (me.text, chirp_server.log_tail())
        posted = await http.post(f"{API}/tweets", json={"text": "after"}, headers=account.auth)
        assert posted.status_code == 201, (posted.text, chirp_server.log_tail())
        feed = await http.get(f"{API}/feed", headers=account.auth)
        assert feed.status_code == 200, feed.text
        assert feed.json()["items"][0]["id"] == posted.json()["id"]


async def test_a_request_scope_whose_connection_died_mid_transaction_closes_cleanly(
    cluster: ThrowawayPostgres, postgres_only: None
) -> None:
    """A request's unit of work with an open transaction loses its connection (a restart):
    leaving the request's scope (after its response was sent) must not raise, and the next
    request gets a working connection."""
    container = make_container(AppConfig(database_url=cluster.url, jwt_secret=TEST_SECRET))
    select_one = ReadQuery(select(literal_column("1").label("one")))
    try:
        async with container() as request:
            uow = await request.get(SqlUnitOfWork)
            await uow.first(select_one)  # BEGIN: a transaction is open
            await asyncio.to_thread(cluster.stop)
        await asyncio.to_thread(cluster.start)
        async with container() as request:
            uow = await request.get(SqlUnitOfWork)
            row = await uow.first(select_one)
            assert row is not None
            assert row.one == 1
    finally:
        if not cluster.running:
            await asyncio.to_thread(cluster.start)
        await container.close()


async def _refuse_like_a_starting_server(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer a PostgreSQL client as a server still starting up does: no SSL, then a FATAL
    57P03 error in reply to the startup message, then close."""
    try:
        while True:
            length = int.from_bytes(await reader.readexactly(4), "big")
            code = int.from_bytes((await reader.readexactly(length - 4))[:4], "big")
            if code == 80877103:  # SSLRequest
                writer.write(b"N")
                continue
            fields = b"SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0"
            writer.write(b"E" + (len(fields) + 4).to_bytes(4, "big") + fields)
            await writer.drain()
            return
    except (asyncio.IncompleteReadError, ConnectionError):
        return
    finally:
        writer.close()


async def test_a_server_that_cannot_accept_connections_yet_gives_503s(tmp_path: Path) -> None:
    """PostgreSQL refusing connections while it starts ("the database system is starting
    up"): every database-backed route, session or driver read, answers a 503 problem."""
    listener = await asyncio.start_server(_refuse_like_a_starting_server, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/chirp"
    config = AppConfig(database_url=url, jwt_secret=TEST_SECRET, media_dir=tmp_path / "media")
    token = {"Authorization": f"Bearer {mint_access_token(1, 1)}"}
    try:
        async with serve(create_app(config)) as client:
            responses = [
                await client.get("/health/ready"),
                await client.get(f"{API}/me", headers=token),
                await client.get(f"{API}/feed", headers=token),
                await client.post(f"{API}/tweets", json={"text": "hi"}, headers=token),
                await client.post(f"{API}/tweets/1/like", headers=token),
                await client.post(f"{API}/auth/login", json={"username": "a", "password": "b"}),
            ]
    finally:
        listener.close()
        await listener.wait_closed()
    for response in responses:
        assert response.status_code == 503, (response.request.url, response.text)
        assert_problem(response, 503, "service_unavailable")


async def test_sqlite_locked_by_another_writer_gives_503_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """SQLite retries a locked write for its busy timeout; still locked, the request is a
    503 ``service_unavailable`` and leaves no trace once the lock is gone."""
    path = tmp_path / "chirp.db"
    busy_timeout_ms = 300
    engine = create_engine(f"sqlite+aiosqlite:///{path}", sqlite_busy_timeout_ms=busy_timeout_ms)
    await upgrade(engine)
    [account] = await insert_users(engine, "locked_out")

    async def tweet_count() -> int:
        async with engine.connect() as connection:
            return int(
                (
                    await connection.execute(select(func.count()).select_from(tweets_table))
                ).scalar_one()
            )

    async with serve(make_app(engine, media_dir=tmp_path / "media")) as client:
        warm = await client.get(f"{API}/me", headers=account.auth)
        assert warm.status_code == 200, warm.text

        other_writer = sqlite3.connect(path, isolation_level=None)
        try:
            other_writer.execute("BEGIN IMMEDIATE")  # holds the write lock
            started = time.monotonic()
            blocked = await client.post(
                f"{API}/tweets", json={"text": "blocked"}, headers=account.auth
            )
            waited = time.monotonic() - started
        finally:
            other_writer.execute("ROLLBACK")
            other_writer.close()
        assert_problem(blocked, 503, "service_unavailable")
        assert waited >= busy_timeout_ms / 1000 * 0.9, waited  # it was retried, not refused
        assert await tweet_count() == 0

        after = await client.post(f"{API}/tweets", json={"text": "free"}, headers=account.auth)
        assert after.status_code == 201, after.text
        assert await tweet_count() == 1
    await engine.dispose()


async def test_a_frozen_database_gives_503s_within_the_timeouts(
    cluster: ThrowawayPostgres, postgres_only: None, tmp_path: Path
) -> None:
    """PostgreSQL stops answering, its sockets open (every process SIGSTOPped): requests on
    open connections, on new ones and waiting for the pool all end in 503 problems within
    the configured timeouts; readiness says 503 within its own short bound; once the server
    answers again, so does the API."""
    engine = create_engine(cluster.url)
    try:
        await upgrade(engine)
        accounts = await insert_users(engine, *(f"frozen_{i}" for i in range(4)))
    finally:
        await engine.dispose()
    timeout = 1.0
    config = AppConfig(
        database_url=cluster.url,
        jwt_secret=TEST_SECRET,
        media_dir=tmp_path / "media",
        db_connect_timeout=timeout,
        db_statement_timeout=timeout,
        db_pool_timeout=timeout,
    )

    def calls(client: httpx.AsyncClient) -> list[Awaitable[httpx.Response]]:
        return [
            *(client.get(f"{API}/me", headers=a.auth) for a in accounts),
            *(client.get(f"{API}/feed", headers=a.auth) for a in accounts),
            *(client.post(f"{API}/tweets", json={"text": "t"}, headers=a.auth) for a in accounts),
            client.post(f"{API}/auth/login", json={"username": "frozen_0", "password": PASSWORD}),
        ]

    async def timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
        started = time.monotonic()
        response = await call
        return response, time.monotonic() - started

    async with serve(create_app(config)) as client:
        for response in await asyncio.gather(*calls(client)):  # connections open and kept
            assert response.status_code in (200, 201), response.text
        with cluster.frozen():
            async with asyncio.timeout(10 * timeout):  # fail, rather than hang, if unbounded
                ready, *answers = await asyncio.gather(
                    timed(client.get("/health/ready")),
                    *(timed(call) for _ in range(10) for call in calls(client)),  # > the pool
                )
        for response, took in [ready, *answers]:
            assert_problem(response, 503, "service_unavailable")
            assert "retry-after" in response.headers
            assert took < 4 * timeout, (response.request.url, took)
        assert ready[1] < 2.0, ready

        for response in await asyncio.gather(*calls(client)):
            assert response.status_code in (200, 201), response.text
        assert (await client.get("/health/ready")).status_code == 200
