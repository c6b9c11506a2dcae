"""Replica lag under load: how long after a moment the replica has replayed everything the
primary had made durable by then.

Every :data:`SAMPLE_SECONDS` a sample reads the primary's flushed WAL position
(``pg_current_wal_flush_lsn()``, time ``t0`` taken just before the query is sent), then polls
the replica's ``pg_last_wal_replay_lsn()`` back to back until it reaches that position (time
``t1``, when that answer arrives). Every commit acknowledged before ``t0`` is at or below the
position (with ``synchronous_commit`` on, a commit is flushed before its answer), so a read
from the replica after ``t1`` sees it: ``t1 - t0`` bounds the staleness of a replica read
from above, by at most one primary and one replica round trip (the idle floor, measured
first, says how much that is). Positions are cluster-wide, so any database will do.

Why not ``pg_stat_replication.replay_lag``: the standby reports its replay position to the
primary only when it next acknowledges received WAL (or every ``wal_receiver_status_interval``,
10 s), and the primary interpolates; the column is also NULL once the standby has caught up.
It is sampled beside (non-NULL values only) for comparison, not trusted at millisecond scale.

:class:`LagLog` keeps the bookkeeping (pure, unit-tested); :class:`LagSampler` does the
queries, in a thread of its own beside a wrk load.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from bench.database_reads import asyncpg_dsn
from bench.loadgen import percentile

SAMPLE_SECONDS = 0.01  # between the starts of two samples
# A sample whose position the replica has not replayed this long after is given up on (and
# counted as never reached).
GIVE_UP_SECONDS = 5.0
READY_TIMEOUT_SECONDS = 30.0

_PRIMARY_POSITION = """
SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint,
       (SELECT extract(epoch FROM max(replay_lag))::float8 * 1000 FROM pg_stat_replication)
"""
_REPLAYED = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"


@dataclass(frozen=True, slots=True)
class Lag:
    """What a sampler measured, in ms. A position never replayed within GIVE_UP_SECONDS
    counts as infinitely late (``math.inf``); None: no sample at all."""

    samples: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    unreached: int
    polls_per_sample: float  # replica queries per sample, on average
    # pg_stat_replication.replay_lag at the same moments, its non-NULL values only.
    replay_lag_samples: int
    replay_lag_p50_ms: float | None
    replay_lag_p99_ms: float | None
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def finite(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else value

        return {
            "samples": self.samples,
            "p50_ms": finite(self.p50_ms),
            "p99_ms": finite(self.p99_ms),
            "max_ms": finite(self.max_ms),
            "unreached": self.unreached,
            "polls_per_sample": self.polls_per_sample,
            "pg_stat_replication_replay_lag": {
                "samples": self.replay_lag_samples,
                "p50_ms": self.replay_lag_p50_ms,
                "p99_ms": self.replay_lag_p99_ms,
            },
            "errors": self.errors[:5],
        }


class LagLog:
    """The samples of one or more sampler runs."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []
        self.replay_lags_ms: list[float] = []
        self.polls = 0
        self.errors: list[str] = []

    def add(self, lag_seconds: float | None, polls: int, replay_lag_ms: float | None) -> None:
        """One sample: its lag (None: the replica never reached the position), the replica
        queries it took, and ``pg_stat_replication.replay_lag`` at its start (None: NULL)."""
        self.lags_ms.append(math.inf if lag_seconds is None else lag_seconds * 1000)
        self.polls += polls
        if replay_lag_ms is not None:
            self.replay_lags_ms.append(replay_lag_ms)

    def extend(self, other: LagLog) -> None:
        self.lags_ms += other.lags_ms
        self.replay_lags_ms += other.replay_lags_ms
        self.polls += other.polls
        self.errors += other.errors

    def summary(self) -> Lag:
        def rounded(value: float) -> float:
            return value if math.isinf(value) else round(value, 2)

        def quantile(values: list[float], fraction: float) -> float | None:
            return rounded(percentile(values, fraction)) if values else None

        lags, replay = self.lags_ms, self.replay_lags_ms
        return Lag(
            samples=len(lags),
            p50_ms=quantile(lags, 0.5),
            p99_ms=quantile(lags, 0.99),
            max_ms=rounded(max(lags)) if lags else None,
            unreached=sum(1 for lag in lags if math.isinf(lag)),
            polls_per_sample=round(self.polls / len(lags), 1) if lags else 0.0,
            replay_lag_samples=len(replay),
            replay_lag_p50_ms=quantile(replay, 0.5),
            replay_lag_p99_ms=quantile(replay, 0.99),
            errors=list(self.errors),
        )


class LagProbe:
    """One connection to each server and the two steps of a sample."""

    def __init__(self, primary: asyncpg.Connection, replica: asyncpg.Connection) -> None:
        self._primary = primary
        self._replica = replica

    @classmethod
    async def connect(cls, primary_url: str, replica_url: str) -> LagProbe:
        primary = await asyncpg.connect(asyncpg_dsn(primary_url))
        try:
            replica = await asyncpg.connect(asyncpg_dsn(replica_url))
        except BaseException:
            await primary.close()
            raise
        return cls(primary, replica)

    async def close(self) -> None:
        await self._replica.close()
        await self._primary.close()

    async def primary_position(self) -> tuple[int, float | None]:
        """The primary's flushed WAL position, and its ``replay_lag`` of the replica (ms)."""
        position, replay_lag_ms = await self._primary.fetchrow(_PRIMARY_POSITION)
        return int(position), replay_lag_ms

    async def replayed(self) -> int:
        return int(await self._replica.fetchval(_REPLAYED))

    async def wait_replayed(
        self, position: int, started: float, give_up_seconds: float = GIVE_UP_SECONDS
    ) -> tuple[float | None, int]:
        """Polls the replica until it has replayed ``position``: the seconds from
        ``started`` (``time.perf_counter()``) to the answer that shows it, or None after
        ``give_up_seconds``; and the number of polls."""
        polls = 0
        while True:
            replayed = await self.replayed()
            polls += 1
            now = time.perf_counter()
            if replayed >= position:
                return now - started, polls
            if now - started > give_up_seconds:
                return None, polls

    async def sample(self, log: LagLog) -> None:
        started = time.perf_counter()
        position, replay_lag_ms = await self.primary_position()
        lag, polls = await self.wait_replayed(position, started)
        log.add(lag, polls, replay_lag_ms)


class LagSampler:
    """Samples the replica's lag every SAMPLE_SECONDS in a thread, from ``start()`` (which
    returns once the first sample can be taken) until ``stop()``."""

    def __init__(self, primary_url: str, replica_url: str) -> None:
        self._primary_url = primary_url
        self._replica_url = replica_url
        self._log = LagLog()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="replica-lag", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(READY_TIMEOUT_SECONDS):
            raise RuntimeError("the replica lag sampler did not connect")

    def stop(self) -> LagLog:
        self._stopping.set()
        self._thread.join(GIVE_UP_SECONDS + 30)
        return self._log

    def _run(self) -> None:
        try:
            asyncio.run(self._sample_until_stopped())
        except Exception as error:  # reported with the figures, not lost in a thread
            self._log.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self._ready.set()

    async def _sample_until_stopped(self) -> None:
        probe = await LagProbe.connect(self._primary_url, self._replica_url)
        try:
            self._ready.set()
            due = time.perf_counter()
            while True:  # at least one sample, however soon the stop
                await probe.sample(self._log)
                if self._stopping.is_set():
                    break
                due += SAMPLE_SECONDS
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                else:  # a late sample: the next one starts now, the schedule moves
                    due = time.perf_counter()
        finally:
            await probe.close()
