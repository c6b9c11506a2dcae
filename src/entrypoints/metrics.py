"""Chirp's Prometheus metrics: every series ``GET /metrics`` exports is declared here.

Under ``chirp serve`` the values live in ``PROMETHEUS_MULTIPROC_DIR`` (a private directory
that command makes before its workers start), one file per worker process, so a scrape
that lands on any worker reports the whole server. prometheus_client picks that mode when it
is first imported, from the environment: nothing in the ``chirp serve`` process itself may
import this module before the directory is set.

The derived-work (queue) series are declared for the workers to report; until they do, none
of them is exported with a made-up value (the labelled ones have no series at all).
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from entrypoints.server import METRICS_DIR_ENV

# Litestar adds the charset to a text/* type itself.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4.removesuffix("; charset=utf-8")

# The registry a single process scrapes (tests, or an app served by hand); under
# ``chirp serve`` the files in the multiprocess directory are scraped instead.
REGISTRY = CollectorRegistry()

# Most of Chirp's answers take 0.1-10 ms: the default buckets (from 5 ms) would put them
# all in one or two.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# --- HTTP (entrypoints/http/metrics.py) ---
# One histogram, as OpenTelemetry's http.server.request.duration: its ``_count`` series are
# the requests by method, route and status, so a request costs one observation (a separate
# counter would cost another, for the same numbers). ``route`` is the route's template
# (``/api/v1/tweets/{tweet_id}``), never the raw path, so the series are bounded by the app's
# routes.
HTTP_REQUEST_DURATION = Histogram(
    "chirp_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method, route template and "
    "status; its _count is the number of requests answered.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)

# --- Read replicas (adapters/sql/replicas.py, through di.py) ---
# "livemin": 0 as soon as one process has left the replica out.
READ_REPLICA_IN_USE = Gauge(
    "chirp_read_replica_in_use",
    "1 while reads that may lag go to the replica, 0 while it is left out (not answering, or "
    "behind the primary); the lowest value over the processes.",
    ["replica"],
    registry=REGISTRY,
    multiprocess_mode="livemin",
)


def report_read_replica(name: str, in_use: bool) -> None:
    READ_REPLICA_IN_USE.labels(name).set(1 if in_use else 0)


# --- Database pool (PoolObserver) ---
# "livesum": the sum over the live processes (a dead worker's values are dropped).
DB_POOL_SIZE = Gauge(
    "chirp_db_pool_size",
    "Connections the database pools keep open at most without overflow (pool_size).",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS = Gauge(
    "chirp_db_pool_connections",
    "Database connections open in the pools.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "chirp_db_pool_checked_out",
    "Database connections checked out of the pools: in use, or kept for reads.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
DB_POOL_OVERFLOW = Gauge(
    "chirp_db_pool_overflow",
    "Connections open beyond pool_size (up to max_overflow), summed over the pools.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)

# --- Derived work ---
# Depth, age and parked jobs are facts about the queue, read from it when /metrics is
# scraped: the latest value any process set is the one exported ("mostrecent").
JOBS_QUEUED = Gauge(
    "chirp_jobs_queued",
    "Jobs waiting or running (derived work not done yet).",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
JOB_OLDEST_AGE = Gauge(
    "chirp_job_oldest_age_seconds",
    "Age of the oldest job waiting to run; 0 when none waits.",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
JOBS_PARKED = Gauge(
    "chirp_jobs_parked",
    "Jobs parked after failing too often, waiting for `chirp worker --retry-failed`.",
    registry=REGISTRY,
    multiprocess_mode="mostrecent",
)
JOBS_DONE = Counter(
    "chirp_jobs_done", "Jobs finished successfully, by kind.", ["kind"], registry=REGISTRY
)
JOBS_FAILED = Counter(
    "chirp_jobs_failed",
    "Job attempts that failed (retried or parked), by kind.",
    ["kind"],
    registry=REGISTRY,
)
FEED_LAG = Histogram(
    "chirp_feed_lag_seconds",
    "Time from a tweet's commit to its entry in its followers' home timelines.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)


def record_backlog(queued: int, oldest_seconds: float, parked: int) -> None:
    JOBS_QUEUED.set(queued)
    JOB_OLDEST_AGE.set(oldest_seconds)
    JOBS_PARKED.set(parked)


def record_job(kind: str, *, done: bool, lag: float | None) -> None:
    """A job's run: done or failed, and for a tweet's fan-out, how long after the tweet's
    commit its followers' entries were written (``lag``)."""
    (JOBS_DONE if done else JOBS_FAILED).labels(kind).inc()
    if lag is not None:
        FEED_LAG.observe(lag)


def check_multiprocess_mode() -> None:
    """Fails at a worker's start, not silently at every scrape, when the directory is set
    but this module was imported (in the parent of a forked worker) before it was."""
    directory = os.environ.get(METRICS_DIR_ENV)
    if directory and values.ValueClass is values.MutexValue:
        raise RuntimeError(
            f"{METRICS_DIR_ENV} is set but prometheus_client was imported before it was: "
            "each worker would count on its own"
        )


def exposition() -> bytes:
    """Every metric in the Prometheus text format (blocking file reads in multiprocess mode:
    run it off the event loop)."""
    directory = os.environ.get(METRICS_DIR_ENV)
    if not directory:
        return generate_latest(REGISTRY)
    forget_dead_processes(directory)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


def forget_dead_processes(directory: str) -> None:
    """Drops the live gauges (pool connections) of worker processes that no longer exist,
    e.g. one Granian restarted after a crash; their counters stay: counts are cumulative."""
    dead = set()
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        match = _LIVE_GAUGE_FILE.fullmatch(os.path.basename(path))
        if match is not None and not _alive(int(match.group(1))):
            dead.add(int(match.group(1)))
    for pid in dead:
        mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True


class PoolObserver:
    """Counts one engine's pool into the ``chirp_db_pool_*`` gauges, from the pool's events.

    Checked-out connections are counted per connection record, so a checkout that fails in
    a listener (SQLAlchemy then checks the record back in) is never counted as returned.
    """

    _MARK = "chirp.metrics.checked_out"
    _EVENTS = ("checkout", "checkin", "connect", "close", "detach")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        size = getattr(engine.pool, "size", None)
        self._size: int | None = size() if callable(size) else None  # None: no fixed size
        self._connections = 0
        self._checked_out = 0
        self._overflow = 0
        if self._size is not None:
            DB_POOL_SIZE.inc(self._size)
        for name in self._EVENTS:
            event.listen(self._engine, name, getattr(self, f"_on_{name}"))

    def close(self) -> None:
        """Stops observing; this pool's share leaves the gauges."""
        for name in self._EVENTS:
            event.remove(self._engine, name, getattr(self, f"_on_{name}"))
        if self._size is not None:
            DB_POOL_SIZE.dec(self._size)
        DB_POOL_CONNECTIONS.dec(self._connections)
        DB_POOL_CHECKED_OUT.dec(self._checked_out)
        DB_POOL_OVERFLOW.dec(self._overflow)

    def _on_checkout(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not record.record_info.get(self._MARK):
            record.record_info[self._MARK] = True
            self._checked_out += 1
            DB_POOL_CHECKED_OUT.inc()

    def _on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record.record_info.pop(self._MARK, False):
            self._checked_out -= 1
            DB_POOL_CHECKED_OUT.dec()

    def _on_connect(self, _dbapi_connection: Any, _record: Any) -> None:
        self._opened(1)

    def _on_close(self, _dbapi_connection: Any, _record: Any) -> None:
        self._opened(-1)

    def _on_detach(self, _dbapi_connection: Any, _record: Any) -> None:
        self._opened(-1)  # it leaves the pool; its record opens a new one when next used

    def _opened(self, change: int) -> None:
        self._connections += change
        DB_POOL_CONNECTIONS.inc(change)
        if self._size is None:
            return
        overflow = max(0, self._connections - self._size)
        if overflow != self._overflow:
            DB_POOL_OVERFLOW.inc(overflow - self._overflow)
            self._overflow = overflow
