"""The job queue on PostgreSQL: pgqueuer (its tables are created by migration 0005).

Jobs are enqueued on the use case's own asyncpg connection, inside its transaction, so a job
exists if and only if the write that implies it commits. Workers take them with
``FOR UPDATE SKIP LOCKED``, are woken by ``LISTEN``/``NOTIFY``, and keep a heartbeat on the
jobs they run: a job whose worker died is taken again once its heartbeat is older than
``heartbeat``. A failed job is retried with backoff, then held as ``failed``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from pgqueuer import Queries, QueueManager
from pgqueuer.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.models import Job as PgJob
from pgqueuer.types import QueueExecutionMode
from sqlalchemy import Interval, bindparam, column, delete, func, literal_column, select, table

from adapters.sql.database import Database
from adapters.sql.hosts import HostByHost
from adapters.sql.outage import DATABASE, database_error
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.unit_of_work import SqlUnitOfWork, transaction
from application.errors import DependencyUnavailable
from application.ports.job_queue import Job, JobQueue
from application.ports.job_worker import Backlog, JobWorker, Perform, RetryPolicy

logger = logging.getLogger("chirp.jobs")

_pgqueuer = table("pgqueuer", column("status"), column("created"))
_WAITING: Any = literal_column("'queued'::pgqueuer_status")
_FAILED: Any = literal_column("'failed'::pgqueuer_status")
_OLDEST: Any = func.min(_pgqueuer.c.created).filter(_pgqueuer.c.status == _WAITING)
_BACKLOG_SELECT: Any = select(
    func.count().filter(_pgqueuer.c.status != _FAILED).label("queued"),
    func.coalesce(func.extract("epoch", func.now() - _OLDEST), 0).label("oldest"),
    func.count().filter(_pgqueuer.c.status == _FAILED).label("failed"),
)
_BACKLOG = ReadQuery(_BACKLOG_SELECT)
_pgqueuer_jobs = table(
    "pgqueuer",
    column("status"),
    column("execute_after"),
    column("queue_manager_id"),
    column("heartbeat"),
)
_PICKED: Any = _pgqueuer_jobs.c.status == literal_column("'picked'::pgqueuer_status")
_READY_OR_MINE: Any = select(func.count()).where(
    ((_pgqueuer_jobs.c.status == _WAITING) & (_pgqueuer_jobs.c.execute_after <= func.now()))
    | (_PICKED & (_pgqueuer_jobs.c.queue_manager_id == bindparam("manager")))
    | (_PICKED & (_pgqueuer_jobs.c.heartbeat < func.now() - bindparam("stale", type_=Interval)))
)
# Jobs ready to run now, running in the given worker, or left by a worker that died (its
# heartbeat stale); not a job waiting for a retry, nor one another live worker runs.
_READY = ReadQuery(_READY_OR_MINE.with_only_columns(func.count().label("jobs")))


class _OutageIsAWarning(logging.Filter):
    """pgqueuer logs each failed write of its buffers as an ERROR with a traceback; while
    the database is unreachable that is expected (the worker reconnects, and jobs whose
    completion was not recorded run again): a WARNING, without the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if (
            record.levelno >= logging.ERROR
            and isinstance(error, Exception)
            and isinstance(database_error(error), DependencyUnavailable)
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.getMessage()}: {type(error).__name__}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


_PGQUEUER_LOGS = logging.getLogger("pgqueuer")
# pgqueuer logs every job's statuses and keeps per-second statistics of them, and removes
# neither: kept an hour and a week.
_log = table("pgqueuer_log", column("aggregated"), column("created"))
_statistics = table("pgqueuer_statistics", column("created"))
_PRUNE_LOG = WriteStatement(
    delete(_log).where(
        _log.c.aggregated, _log.c.created < func.now() - bindparam("log_kept", type_=Interval)
    )
)
_PRUNE_STATISTICS = WriteStatement(
    delete(_statistics).where(
        _statistics.c.created < func.now() - bindparam("statistics_kept", type_=Interval)
    )
)
LOG_KEPT = timedelta(hours=1)
STATISTICS_KEPT = timedelta(days=7)
PRUNE_EVERY = 300.0
# Reconnecting after the server went away: first after this, doubling up to the maximum.
_RECONNECT = (0.5, 10.0)


class PgQueuerJobQueue(JobQueue):
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    async def enqueue(self, *jobs: Job) -> None:
        if not jobs:
            return
        # One statement (and one NOTIFY) for every job of the transaction.
        await self._uow.on_driver(
            lambda connection: Queries.from_asyncpg_connection(connection).enqueue(
                [job.kind for job in jobs],
                [json.dumps(job.payload).encode() for job in jobs],
                [0] * len(jobs),
                execute_after=[timedelta(seconds=job.delay) if job.delay else None for job in jobs],
                dedupe_key=[job.dedupe_key for job in jobs],
                on_conflict="skip",
            )
        )


class PgQueuerJobWorker(JobWorker):
    """pgqueuer's ``QueueManager`` on a connection of its own, opened again (with backoff)
    whenever the server drops it: a restart of PostgreSQL stops no worker."""

    def __init__(
        self,
        database: Database,
        dsn: str | Sequence[str],
        retry: RetryPolicy | None = None,
        heartbeat: timedelta = timedelta(seconds=10),
        wait: timedelta = timedelta(seconds=1),
        statement_timeout: float | None = None,
    ) -> None:
        self._database = database
        # Several: one per host of a failover list, tried in turn.
        self._dsns = [dsn] if isinstance(dsn, str) else list(dsn)
        self._hosts = HostByHost()
        # Bounds each of pgqueuer's statements: on a server that stopped answering with its
        # sockets open (a hung or partitioned primary) the worker gives up and reconnects,
        # finding the new primary, instead of waiting for ever.
        self._statement_timeout = statement_timeout
        self._retry = retry or RetryPolicy()
        self._heartbeat = heartbeat
        self._wait = wait
        if not any(isinstance(f, _OutageIsAWarning) for f in _PGQUEUER_LOGS.filters):
            _PGQUEUER_LOGS.addFilter(_OutageIsAWarning())

    async def run(
        self, perform: Perform, kinds: Collection[str], *, concurrency: int, until_empty: bool
    ) -> None:
        if until_empty:
            ready = await self._database.reads.first(_READY, manager=None, stale=self._heartbeat)
            if ready is None or not ready.jobs:
                return  # nothing to do: no need for a connection of its own
        pause = _RECONNECT[0]
        while True:
            try:
                connection = await self._connect()
            except DependencyUnavailable:
                if until_empty:
                    raise
                logger.warning("job queue unreachable; retrying in %.1f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, _RECONNECT[1])
                continue
            pause = _RECONNECT[0]
            manager = self._manager(connection, perform, kinds)
            # pgqueuer's own drain mode also waits for jobs whose retry is due later.
            idle = asyncio.create_task(
                self._stop_when_idle(manager) if until_empty else self._prune_forever()
            )
            try:
                await manager.run(
                    dequeue_timeout=self._wait,
                    batch_size=max(1, concurrency // 2),
                    max_concurrent_tasks=max(2, concurrency),
                    heartbeat_timeout=self._heartbeat,
                    mode=QueueExecutionMode.continuous,
                )
                if until_empty:
                    return
            except Exception as error:
                # The server went away (a restart, an administrator's shutdown): reconnect.
                if not isinstance(database_error(error), DependencyUnavailable):
                    raise
                logger.warning("job queue connection lost: %s", type(error).__name__)
            finally:
                idle.cancel()
                await _close(connection)

    async def prune(self) -> None:
        """Delete pgqueuer's log older than ``LOG_KEPT``, its statistics older than
        ``STATISTICS_KEPT``."""
        async with transaction(self._database) as uow:
            await uow.execute(_PRUNE_LOG, log_kept=LOG_KEPT)
            await uow.execute(_PRUNE_STATISTICS, statistics_kept=STATISTICS_KEPT)

    async def _prune_forever(self) -> None:
        while True:
            try:
                await self.prune()
            except DependencyUnavailable as error:
                logger.warning("could not prune the job log: %s", error)
            await asyncio.sleep(PRUNE_EVERY)

    async def _stop_when_idle(self, manager: QueueManager) -> None:
        while True:
            await asyncio.sleep(0.02)
            row = await self._database.reads.first(
                _READY, manager=manager.queue_manager_id, stale=self._heartbeat
            )
            if row is not None and row.jobs == 0:
                manager.shutdown.set()
                return

    async def retry_failed(self) -> int:
        connection = await self._connect()
        try:
            queries = Queries.from_asyncpg_connection(connection)
            count = 0
            while failed := await queries.list_failed_jobs(1000):
                await queries.requeue_jobs([job.id for job in failed])
                count += len(failed)
            return count
        finally:
            await _close(connection)

    async def backlog(self) -> Backlog:
        row = await self._database.reads.first(_BACKLOG)
        if row is None:
            return Backlog(0, 0.0, 0)
        return Backlog(queued=row.queued, oldest_seconds=float(row.oldest), failed=row.failed)

    def _manager(
        self, connection: asyncpg.Connection, perform: Perform, kinds: Collection[str]
    ) -> QueueManager:
        manager = QueueManager(Queries.from_asyncpg_connection(connection))
        retry = self._retry

        def executor(parameters: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
            return DatabaseRetryEntrypointExecutor(
                parameters=parameters,
                # pgqueuer counts retries, not runs: max_attempts runs in all.
                max_attempts=retry.max_attempts - 1,
                initial_delay=retry.initial_delay,
                backoff_multiplier=retry.multiplier,
                max_delay=retry.max_delay,
            )

        async def handle(job: PgJob) -> None:
            payload: dict[str, Any] = json.loads(job.payload or b"{}")
            queued_at = job.created.timestamp()
            await perform(Job(job.entrypoint, payload, id=str(job.id), queued_at=queued_at))

        for kind in kinds:
            manager.entrypoint(kind, on_failure="hold", executor_factory=executor)(handle)
        return manager

    async def _connect(self) -> asyncpg.Connection:
        try:
            connection: asyncpg.Connection = await self._hosts.first(
                [{"dsn": dsn, "command_timeout": self._statement_timeout} for dsn in self._dsns],
                seconds_each=5,
            )
        except Exception as error:
            raise database_error(error) from error
        if connection is None:  # pragma: no cover - asyncpg always returns one
            raise DependencyUnavailable(DATABASE, "no connection")
        return connection


async def _close(connection: asyncpg.Connection) -> None:
    try:
        await connection.close(timeout=2)
    except Exception:
        connection.terminate()
