"""Derived work still to do after a write load: jobs in the queue, counter changes not folded.

The queue is pgqueuer's ``pgqueuer`` table on PostgreSQL and a ``jobs`` table on SQLite;
counter changes wait in ``count_changes`` until a worker folds them. Whichever of those
tables the database has are counted; a database with none of them (the write path before
the queue) has no pending work, and :func:`drain` says so instead of timing anything.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

# Each table that holds derived work, and how to count what is still to do in it: jobs due
# now or running. Jobs that failed for good (parked for an operator) would never drain, and a
# job due later (an unfollow's second removal pass, a retry's backoff) is not a backlog.
PENDING: dict[str, str] = {
    "pgqueuer": "SELECT count(*) FROM pgqueuer WHERE status = 'picked'"
    " OR (status = 'queued' AND execute_after <= now())",
    "jobs": "SELECT count(*) FROM jobs WHERE status = 'running'"
    " OR (status = 'queued' AND run_at <= (julianday('now') - 2440587.5) * 86400.0)",
    "count_changes": "SELECT count(*) FROM count_changes",
}

POLL_SECONDS = 0.05


async def queue_tables(database: AsyncConnection) -> list[str]:
    """The tables of :data:`PENDING` that ``database`` has."""
    names = await database.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return [table for table in PENDING if table in names]


async def pending_jobs(database: AsyncConnection, tables: list[str] | None = None) -> int:
    """Derived work not done yet in ``database``: queued or running jobs and unfolded
    counter changes; 0 when it has none of their tables. ``tables``: those found before by
    :func:`queue_tables` (looked up when None)."""
    found = await queue_tables(database) if tables is None else tables
    total = 0
    for table in found:
        total += int((await database.execute(text(PENDING[table]))).scalar_one())
    return total


@dataclass(frozen=True, slots=True)
class Drain:
    """How long the derived work of a load took to finish after the load stopped."""

    seconds: float
    tables: tuple[str, ...]  # empty: no queue, nothing derived outside the requests
    pending_at_start: int
    drained: bool  # False: still pending when the wait timed out (seconds is a lower bound)

    @property
    def label(self) -> str:
        if not self.tables:
            return "0 s (no queue)"
        return f"{self.seconds:.2f} s" if self.drained else f"> {self.seconds:.0f} s (timed out)"


async def wait_until_drained(
    pending: Callable[[], Awaitable[int]],
    tables: tuple[str, ...],
    limit_seconds: float,
    clock: Callable[[], float] = time.perf_counter,
    pause: Callable[[float], Awaitable[None]] | None = None,
) -> Drain:
    """Polls ``pending`` until it is 0 (or ``limit_seconds`` have passed)."""
    sleep = pause or asyncio.sleep
    start = clock()
    if not tables:
        return Drain(0.0, (), 0, drained=True)
    first = remaining = await pending()
    while remaining:
        if clock() - start >= limit_seconds:
            return Drain(clock() - start, tables, first, drained=False)
        await sleep(POLL_SECONDS)
        remaining = await pending()
    return Drain(clock() - start if first else 0.0, tables, first, drained=True)


async def drain(database_url: str, limit_seconds: float = 60.0) -> Drain:
    """Waits for the derived work in the database at ``database_url`` to be done."""
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            tables = await queue_tables(connection)
            return await wait_until_drained(
                lambda: pending_jobs(connection, tables), tuple(tables), limit_seconds
            )
    finally:
        await engine.dispose()


# Other sessions running a statement in the same database (the application's requests, and
# its workers' jobs).
_BUSY = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND backend_type = 'client backend' AND state = 'active'
"""
QUIET_POLLS = 3


async def settle(database_url: str, limit_seconds: float) -> float:
    """Seconds until no other session has run a statement for :data:`QUIET_POLLS` polls in
    a row (requests that were in flight when a load stopped go on in the server); 0 on a
    database that cannot tell (SQLite)."""
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name != "postgresql":
            return 0.0
        start = time.perf_counter()
        quiet = 0
        async with engine.connect() as connection:
            while quiet < QUIET_POLLS and time.perf_counter() - start < limit_seconds:
                busy = int((await connection.execute(text(_BUSY))).scalar_one())
                quiet = 0 if busy else quiet + 1
                if quiet < QUIET_POLLS:
                    await asyncio.sleep(POLL_SECONDS)
        return time.perf_counter() - start
    finally:
        await engine.dispose()
