"""The job queue on SQLite: a ``jobs`` table in the application's own database.

SQLite has one writer at a time, and a transaction here takes the write lock at BEGIN, so
claiming jobs needs no row locks: a claim is one short ``UPDATE ... RETURNING`` that marks
up to N due jobs as running with a lease; the lease lets another worker take them again if
this one dies. The worker never holds the write lock while a handler runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, column, delete, func, or_, select, update

from adapters.sql.database import Database
from adapters.sql.dialect import insert_or_ignore
from adapters.sql.statements import ReadQuery, WriteStatement
from adapters.sql.tables import jobs
from adapters.sql.unit_of_work import SqlUnitOfWork, transaction
from application.ports.clock import Clock
from application.ports.job_queue import Job, JobQueue
from application.ports.job_worker import Backlog, JobWorker, Perform, RetryPolicy

logger = logging.getLogger("chirp.jobs")

QUEUED, RUNNING, FAILED = "queued", "running", "failed"

_ENQUEUE = WriteStatement(build=lambda dialect: insert_or_ignore(dialect, jobs))
# Only the kinds this worker knows (a JSON array): a newer version's jobs wait for a newer
# worker, as pgqueuer's do.
_KNOWN = jobs.c.kind.in_(select(column("value")).select_from(func.json_each(bindparam("kinds"))))
_DUE = _KNOWN & or_(
    (jobs.c.status == QUEUED) & (jobs.c.run_at <= bindparam("now")),
    (jobs.c.status == RUNNING) & (jobs.c.locked_until < bindparam("now")),
)
_CLAIM = WriteStatement(
    update(jobs)
    .where(jobs.c.id.in_(select(jobs.c.id).where(_DUE).order_by(jobs.c.id).limit(bindparam("n"))))
    .values(
        status=RUNNING,
        attempts=jobs.c.attempts + 1,
        locked_until=bindparam("lease_end"),
    )
    .returning(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.created_at)
)
_DONE = WriteStatement(delete(jobs).where(jobs.c.id == bindparam("job")))
_RETRY = WriteStatement(
    update(jobs)
    .where(jobs.c.id == bindparam("job"))
    .values(
        status=bindparam("new_status"),
        run_at=bindparam("next_run"),
        locked_until=None,
        last_error=bindparam("error"),
    )
)
_REQUEUE_FAILED = WriteStatement(
    update(jobs)
    .where(jobs.c.status == FAILED)
    .values(status=QUEUED, attempts=0, run_at=bindparam("now"), last_error=None)
)
_BACKLOG_SELECT: Any = select(
    func.count().filter(jobs.c.status != FAILED).label("queued"),
    func.min(jobs.c.run_at).filter(jobs.c.status == QUEUED).label("oldest"),
    func.count().filter(jobs.c.status == FAILED).label("failed"),
)
_BACKLOG = ReadQuery(_BACKLOG_SELECT)


class JobSignal:
    """Wakes this process's worker when a transaction that enqueued jobs commits."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, seconds: float) -> None:
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            pass
        self._event.clear()


class SqliteJobQueue(JobQueue):
    def __init__(self, uow: SqlUnitOfWork, clock: Clock, signal: JobSignal) -> None:
        self._uow = uow
        self._clock = clock
        self._signal = signal

    async def enqueue(self, *new_jobs: Job) -> None:
        now = self._clock.now().timestamp()
        for job in new_jobs:
            await self._uow.execute(
                _ENQUEUE,
                kind=job.kind,
                payload=json.dumps(job.payload),
                dedupe_key=job.dedupe_key,
                status=QUEUED,
                run_at=now + job.delay,
                created_at=now,
            )
        if new_jobs:
            self._uow.after_commit(self._signal.set)


class SqliteJobWorker(JobWorker):
    """Runs the ``jobs`` table's jobs in this process (``chirp serve`` or ``chirp worker``).

    Waits for a commit that enqueued jobs (``JobSignal``) or ``poll`` seconds, whichever
    comes first: jobs enqueued by another process are found by the poll.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        signal: JobSignal,
        retry: RetryPolicy | None = None,
        lease: float = 60.0,
        poll: float = 0.5,
    ) -> None:
        self._database = database
        self._clock = clock
        self._signal = signal
        self._retry = retry or RetryPolicy()
        self._lease = lease
        self._poll = poll

    async def run(
        self, perform: Perform, kinds: Collection[str], *, concurrency: int, until_empty: bool
    ) -> None:
        while True:
            claimed = await self._claim(concurrency, json.dumps(sorted(kinds)))
            if claimed:
                await asyncio.gather(*(self._perform(perform, job) for job in claimed))
                continue
            if until_empty:
                return
            await self._signal.wait(self._poll)

    async def retry_failed(self) -> int:
        async with transaction(self._database) as uow:
            count = await uow.execute(_REQUEUE_FAILED, now=self._clock.now().timestamp())
        if count:
            self._signal.set()
        return count

    async def backlog(self) -> Backlog:
        row = await self._database.reads.first(_BACKLOG)
        oldest = 0.0
        if row is not None and row.oldest is not None:
            oldest = max(0.0, self._clock.now().timestamp() - row.oldest)
        return Backlog(
            queued=row.queued if row else 0, oldest_seconds=oldest, failed=row.failed if row else 0
        )

    async def _claim(self, limit: int, kinds: str) -> list[Any]:
        now = self._clock.now().timestamp()
        async with transaction(self._database) as uow:  # committed on the way out
            return await uow.returned(
                _CLAIM, now=now, n=limit, lease_end=now + self._lease, kinds=kinds
            )

    async def _perform(self, perform: Perform, row: Any) -> None:
        job = Job(row.kind, json.loads(row.payload), id=str(row.id), queued_at=row.created_at)
        try:
            await perform(job)
        except Exception as error:
            await self._failed(row, error)
            return
        await self._write(_DONE, job=row.id)

    async def _failed(self, row: Any, error: Exception) -> None:
        parked = row.attempts >= self._retry.max_attempts
        delay = self._retry.delay(row.attempts).total_seconds()
        logger.warning(
            "job failed",
            exc_info=error,
            extra={"fields": {"job_id": str(row.id), "kind": row.kind, "parked": parked}},
        )
        await self._write(
            _RETRY,
            job=row.id,
            new_status=FAILED if parked else QUEUED,
            next_run=self._clock.now().timestamp() + delay,
            error=f"{type(error).__name__}: {error}"[:2000],
        )

    async def _write(self, statement: WriteStatement, **params: Any) -> None:
        async with transaction(self._database) as uow:
            await uow.execute(statement, **params)
