"""The replicated PostgreSQL the multi-machine tests run on: a primary and a streaming
replica (``pg_basebackup -R``), started by the test as an unprivileged user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.sql.engine import create_engine
from devservers.postgres import ReplicatedPostgres
from tests.support.postgres import replicated_cluster

VISIBLE_WITHIN = 5.0  # seconds: a bound for a hung replica, not a measurement of lag


@pytest.fixture(scope="module")
def replicated() -> Iterator[ReplicatedPostgres]:
    with replicated_cluster("chirp_replicated") as cluster:
        yield cluster


async def rows_on(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT note FROM notes ORDER BY note"))
            return [row.note for row in result]
    finally:
        await engine.dispose()


async def until_rows(url: str, expected: list[str]) -> list[str]:
    deadline = time.monotonic() + VISIBLE_WITHIN
    while True:
        rows = await rows_on(url)
        if rows == expected or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.02)


async def test_the_replica_follows_the_primary_refuses_writes_and_takes_over(
    replicated: ReplicatedPostgres,
) -> None:
    primary = create_engine(replicated.primary.url)
    try:
        async with primary.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (note text PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO notes VALUES ('before')"))
    finally:
        await primary.dispose()
    assert await until_rows(replicated.replica.url, ["before"]) == ["before"]

    replica = create_engine(replicated.replica.url)
    try:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            async with replica.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES ('refused')"))

        replicated.primary.stop()
        replicated.promote()
        async with replica.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('after')"))
    finally:
        await replica.dispose()
    assert await rows_on(replicated.replica.url) == ["after", "before"]


@pytest.fixture
def synchronous() -> Iterator[ReplicatedPostgres]:
    with replicated_cluster("chirp_synchronous", synchronous=True) as cluster:
        yield cluster


async def insert(url: str, note: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES (:note)"), {"note": note})
    finally:
        await engine.dispose()


async def test_a_synchronous_primary_acknowledges_a_commit_once_the_replica_has_it(
    synchronous: ReplicatedPostgres,
) -> None:
    primary = create_engine(synchronous.primary.url)
    try:
        async with primary.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (note text PRIMARY KEY)"))
    finally:
        await primary.dispose()

    synchronous.replica.stop()
    commit = asyncio.create_task(insert(synchronous.primary.url, "waited"))
    try:
        done, _ = await asyncio.wait({commit}, timeout=0.5)
        assert not done, "the primary acknowledged a commit no replica had"
    finally:
        synchronous.replica.start()
    async with asyncio.timeout(VISIBLE_WITHIN):
        await commit

    # A crash of the primary loses nothing it acknowledged, and the promoted replica
    # commits without waiting for a standby of its own.
    synchronous.primary.kill()
    assert not synchronous.primary.running
    synchronous.promote()
    async with asyncio.timeout(VISIBLE_WITHIN):
        await insert(synchronous.replica.url, "after")
    assert await rows_on(synchronous.replica.url) == ["after", "waited"]
