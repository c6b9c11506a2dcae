"""Reads that may lag, served by PostgreSQL streaming replicas when there are any.

``RoutedReads`` runs a read on a replica (in turn, among the healthy ones) when the running
request allows stale reads (``application.read_routing``), else on the primary. A replica is
healthy while it answers and is less than one probe interval behind: every
``probe_interval`` each replica's replayed WAL position is compared with the primary's
position at the previous probe. So a read from a replica misses at most the last
twice ``probe_interval`` of commits (~4 ms in practice, with ``synchronous_commit`` on). A
replica that fails a read is left out until a probe finds it well again, and the read is
run on the primary instead: a stopped replica never fails a request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import literal_column, select

from adapters.sql.database import Database, ReadConnections
from adapters.sql.outage import TransactionConflict
from adapters.sql.statements import ReadQuery
from application.errors import DependencyUnavailable
from application.read_routing import stale_reads_allowed

PROBE_INTERVAL = 0.25  # seconds
logger = logging.getLogger("chirp.replicas")

# How much WAL a server holds: the primary's written position, a replica's replayed one
# (one that has been promoted answers as the primary it now is).
_WAL_POSITION = ReadQuery(
    select(
        literal_column(
            "pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
            " ELSE pg_current_wal_lsn() END, '0/0')::bigint"
        ).label("position")
    )
)


class Replica:
    """One replica: its connections, and whether reads may go to it."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        self.name = name  # host:port, for logs
        self.healthy = False

    async def position(self) -> int | None:
        return await _wal_position(self.database.reads)


async def _wal_position(reads: ReadConnections) -> int | None:
    row = await reads.first(_WAL_POSITION)
    return None if row is None or row.position is None else int(row.position)


class RoutedReads:
    """``all`` and ``first`` as ``ReadConnections`` has them, on a replica when the request
    allows stale reads and a healthy one exists, else on the primary's read connections."""

    def __init__(
        self,
        primary: ReadConnections,
        replicas: Sequence[Replica] = (),
        *,
        probe_interval: float = PROBE_INTERVAL,
        report: Callable[[str, bool], None] | None = None,
    ) -> None:
        """``report(name, in_use)`` is told each replica's state at every probe and when a
        read leaves it out (for metrics)."""
        self._primary = primary
        self._report = report or (lambda _name, _in_use: None)
        self._replicas = list(replicas)
        self._interval = probe_interval
        self._turn = 0
        self._primary_position: int | None = None
        self._prober: asyncio.Task[None] | None = None

    async def all(self, query: ReadQuery, **params: Any) -> list[Any]:
        if self._replicas and stale_reads_allowed():
            replica = self._next_replica()
            if replica is not None:
                try:
                    return await replica.database.reads.all(query, **params)
                except DependencyUnavailable as error:
                    # A query cancelled by the replica's recovery (a conflict) says nothing
                    # of the replica's health; anything else does.
                    if not isinstance(error, TransactionConflict):
                        replica.healthy = False
                        self._report(replica.name, False)
                        logger.warning("replica %s left out: %s", replica.name, error)
        return await self._primary.all(query, **params)

    async def first(self, query: ReadQuery, **params: Any) -> Any | None:
        rows = await self.all(query, **params)
        return rows[0] if rows else None

    @property
    def in_use(self) -> list[str]:
        """The names of the replicas reads may go to now."""
        return [replica.name for replica in self._replicas if replica.healthy]

    def _next_replica(self) -> Replica | None:
        for _ in range(len(self._replicas)):
            self._turn = (self._turn + 1) % len(self._replicas)
            replica = self._replicas[self._turn]
            if replica.healthy:
                return replica
        return None

    async def probe(self) -> None:
        """Judge every replica once: healthy if it answers and has replayed what the primary
        had written at the previous probe (or, at the first, at this one)."""
        current: int | None
        try:
            current = await _wal_position(self._primary)
        except DependencyUnavailable:
            current = None  # the replicas are judged against its last known position
        required = self._primary_position if self._primary_position is not None else current
        if current is not None:
            self._primary_position = current
        for replica in self._replicas:
            was = replica.healthy
            try:
                position = await replica.position()
            except DependencyUnavailable as error:
                replica.healthy = False
                reason = str(error)
            else:
                replica.healthy = position is not None and (
                    required is None or position >= required
                )
                reason = "behind the primary"
            self._report(replica.name, replica.healthy)
            if was != replica.healthy:
                state = "back in use" if replica.healthy else f"left out: {reason}"
                logger.warning("replica %s %s", replica.name, state)

    def start(self) -> None:
        """Probe in the background, every ``probe_interval``, until ``close``."""
        if self._replicas and self._prober is None:
            self._prober = asyncio.create_task(self._probe_forever(), name="chirp-replica-probe")

    async def _probe_forever(self) -> None:
        while True:
            try:
                await self.probe()
            except Exception:  # a bug must not end the probing, which keeps replicas in use
                logger.exception("probing the replicas failed")
            await asyncio.sleep(self._interval)

    async def close(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            await asyncio.gather(self._prober, return_exceptions=True)
            self._prober = None
        for replica in self._replicas:
            await replica.database.close()
            await replica.database.engine.dispose()
