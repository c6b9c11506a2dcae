"""The benchmark's replica lag probe on a real primary and streaming replica: a replica that
stands still is measured as behind for as long as it does, and one that keeps up is not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import asyncpg  # type: ignore[import-untyped]
import pytest
from bench.database_reads import asyncpg_dsn
from bench.replica_lag import LagProbe, LagSampler

from devservers.postgres import ReplicatedPostgres
from tests.support.postgres import replicated_cluster

STANDING_STILL_SECONDS = 0.2


@pytest.fixture(scope="module")
def cluster() -> Iterator[ReplicatedPostgres]:
    with replicated_cluster("chirp_lag") as replicated:
        yield replicated


@pytest.fixture
async def probe(cluster: ReplicatedPostgres) -> AsyncIterator[LagProbe]:
    lag_probe = await LagProbe.connect(cluster.primary.url, cluster.replica.url)
    yield lag_probe
    await lag_probe.close()


async def execute(url: str, sql: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def test_a_replica_standing_still_is_behind_until_it_replays(
    cluster: ReplicatedPostgres, probe: LagProbe
) -> None:
    await execute(cluster.replica.url, "SELECT pg_wal_replay_pause()")
    try:
        await execute(cluster.primary.url, "CREATE TABLE IF NOT EXISTS marks (n int)")
        await execute(cluster.primary.url, "INSERT INTO marks VALUES (1)")
        started = time.perf_counter()
        position, _ = await probe.primary_position()

        lag, polls = await probe.wait_replayed(position, started, STANDING_STILL_SECONDS)

        assert lag is None  # never reached while replay is paused
        assert polls > 1
    finally:
        await execute(cluster.replica.url, "SELECT pg_wal_replay_resume()")
    lag, _ = await probe.wait_replayed(position, started)
    assert lag is not None
    assert lag >= STANDING_STILL_SECONDS
    assert await probe.replayed() >= position


async def test_the_sampler_finds_a_replica_that_keeps_up_caught_up(
    cluster: ReplicatedPostgres,
) -> None:
    sampler = LagSampler(cluster.primary.url, cluster.replica.url)
    sampler.start()
    try:
        await execute(cluster.primary.url, "CREATE TABLE IF NOT EXISTS marks (n int)")
        for _ in range(20):
            await execute(cluster.primary.url, "INSERT INTO marks VALUES (2)")
    finally:
        lag = sampler.stop().summary()

    assert lag.errors == []
    assert lag.samples >= 1
    assert lag.unreached == 0
    assert lag.max_ms is not None
    assert lag.max_ms < 5_000
