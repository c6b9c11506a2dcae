"""Reads that may lag, served by a streaming replica (CHIRP_READ_REPLICA_URLS): routed there
only when the caller did not just write, never while the replica is behind, and never
failing because the replica is down.

The replica's health is probed by hand here (the app's own probe interval is an hour), so
each step knows what the router knows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from adapters.sql.database import Reads
from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from adapters.sql.replicas import RoutedReads
from devservers.postgres import ReplicatedPostgres
from entrypoints.config import AppConfig
from entrypoints.http.app import create_app
from tests.support.api import API, register
from tests.support.app import TEST_SECRET, serve
from tests.support.metrics import scrape, value
from tests.support.postgres import replicated_cluster

CAUGHT_UP_WITHIN = 5.0  # seconds: a bound for a hung replica, not a measurement of lag


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicatedPostgres]:
    with replicated_cluster("chirp_replicas") as replicated:
        yield replicated


@pytest.fixture
async def http(cluster: ReplicatedPostgres, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    engine = create_engine(cluster.primary.url)
    await upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE users, tweets RESTART IDENTITY CASCADE"))
    await engine.dispose()
    config = AppConfig(
        database_url=cluster.primary.url,
        jwt_secret=TEST_SECRET,
        media_dir=tmp_path / "media",
        read_replica_urls=(cluster.replica.url,),
        replica_probe_interval=3600,
    )
    async with serve(create_app(config)) as client:
        yield client


async def routed_reads(http: httpx.AsyncClient) -> RoutedReads:
    app = http._transport.app  # type: ignore[attr-defined]
    reads = await app.state.dishka_container.get(Reads)
    assert isinstance(reads, RoutedReads)
    return reads


async def until_in_use(reads: RoutedReads) -> None:
    """Probe until the replica has caught up and reads may go to it."""
    deadline = time.monotonic() + CAUGHT_UP_WITHIN
    while True:
        await reads.probe()
        if reads.in_use or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    assert reads.in_use, "the replica did not catch up"


async def set_replay(cluster: ReplicatedPostgres, *, paused: bool) -> None:
    engine = create_engine(cluster.replica.url)
    try:
        async with engine.connect() as connection:
            call = "pg_wal_replay_pause()" if paused else "pg_wal_replay_resume()"
            await connection.execute(text(f"SELECT {call}"))
    finally:
        await engine.dispose()


async def post(http: httpx.AsyncClient, auth: dict[str, str], text_: str) -> int:
    response = await http.post(f"{API}/tweets", json={"text": text_}, headers=auth)
    assert response.status_code == 201, response.text
    tweet_id: int = response.json()["id"]
    return tweet_id


async def test_lagging_reads_go_to_the_replica_but_never_a_writers_own(
    http: httpx.AsyncClient, cluster: ReplicatedPostgres
) -> None:
    alice = await register(http, "alice")
    bob = await register(http, "bob")
    reads = await routed_reads(http)
    await until_in_use(reads)

    await set_replay(cluster, paused=True)
    try:
        tweet = await post(http, alice.auth, "written while the replica stands still")
        # Anyone else's read of a public page comes from the replica, which lacks it...
        assert (await http.get(f"{API}/tweets/{tweet}")).status_code == 404
        assert (await http.get(f"{API}/tweets/{tweet}", headers=bob.auth)).status_code == 404
        # ...but the author, who just wrote, reads the primary: the read-back, the feed, the
        # tweet list.
        own = await http.get(f"{API}/tweets/{tweet}", headers=alice.auth)
        assert own.status_code == 200
        feed = await http.get(f"{API}/feed", headers=alice.auth)
        assert [item["id"] for item in feed.json()["items"]] == [tweet]
        listed = await http.get(f"{API}/users/alice/tweets", headers=alice.auth)
        assert [item["id"] for item in listed.json()["items"]] == [tweet]
        # /me is never read from a replica.
        assert (await http.get(f"{API}/me", headers=bob.auth)).status_code == 200

        # Once a probe finds the replica behind what the primary had at the previous one,
        # no read goes to it.
        await reads.probe()
        await reads.probe()
        assert reads.in_use == []
        assert (await http.get(f"{API}/tweets/{tweet}")).status_code == 200
    finally:
        await set_replay(cluster, paused=False)
    await until_in_use(reads)
    assert (await http.get(f"{API}/tweets/{tweet}")).status_code == 200


async def test_a_stopped_replica_never_fails_a_read(
    http: httpx.AsyncClient, cluster: ReplicatedPostgres
) -> None:
    alice = await register(http, "alice")
    tweet = await post(http, alice.auth, "still readable")
    reads = await routed_reads(http)
    await until_in_use(reads)
    replica = f"127.0.0.1:{cluster.replica.port}"
    assert reads.in_use == [replica]

    cluster.replica.stop()
    try:
        # The router still believes in the replica: the first read finds it gone and is
        # served by the primary; so is every later one.
        for path in (f"/tweets/{tweet}", "/users/alice", "/users/alice/tweets", "/tweets/1/likes"):
            response = await http.get(f"{API}{path}")
            assert response.status_code == 200, (path, response.text)
        assert reads.in_use == []
        await reads.probe()
        assert reads.in_use == []
        assert (await http.get(f"{API}/users/alice/followers")).status_code == 200
        assert value(await scrape(http), "chirp_read_replica_in_use", replica=replica) == 0
    finally:
        cluster.replica.start()
    await until_in_use(reads)
    assert (await http.get(f"{API}/tweets/{tweet}")).status_code == 200
    assert value(await scrape(http), "chirp_read_replica_in_use", replica=replica) == 1
