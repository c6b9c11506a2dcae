"""Workers: the derived work of the write path, in ``chirp worker`` or in-process under
``chirp serve``. Each job runs in a container scope of its own, as a request does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from dishka import AsyncContainer

from application.derived.fan_out_tweet import FAN_OUT
from application.derived.fold_counts import FOLD_BATCH, FoldCounts
from application.derived.registry import WORK
from application.derived.sweep_media import SWEEP_BATCH, SweepUnattachedMedia
from application.errors import DependencyUnavailable
from application.ports.job_queue import Job
from application.ports.job_worker import JobWorker, Perform
from entrypoints.config import WORKER_CONCURRENCY
from entrypoints.metrics import record_job

logger = logging.getLogger("chirp.jobs")

# How often count changes are folded into the counts: well inside API.md's 2 seconds.
FOLD_EVERY = 0.25
# How often expired unattached uploads are swept: their TTL is at least 5 minutes.
SWEEP_MEDIA_EVERY = 60.0


class UnknownJob(Exception):
    """A job of a kind this version does not know: parked for an operator to see."""


def performer(container: AsyncContainer) -> Perform:
    """Runs a job's handler, built by ``container`` in a scope of the job's own."""

    async def perform(job: Job) -> None:
        work = WORK.get(job.kind)
        if work is None:
            raise UnknownJob(job.kind)
        try:
            async with container() as scope:
                handler = await scope.get(work.handler)
                await handler(work.payload(**job.payload))
        except Exception:
            record_job(job.kind, done=False, lag=None)
            raise
        first_fan_out = job.kind == FAN_OUT and not job.payload.get("after")
        lag = time.time() - job.queued_at if first_fan_out and job.queued_at else None
        record_job(job.kind, done=True, lag=lag)
        logger.debug("job done", extra={"fields": {"job_id": job.id, "kind": job.kind}})

    return perform


async def fold_counts(container: AsyncContainer) -> int:
    """Apply every recorded count change: how many there were."""
    folded = 0
    while True:
        async with container() as scope:
            done = await (await scope.get(FoldCounts))()
        folded += done
        if done < FOLD_BATCH:
            return folded


async def _fold_counts_forever(container: AsyncContainer) -> None:
    while True:
        try:
            await fold_counts(container)
        except DependencyUnavailable as error:
            logger.warning("could not fold counts: %s", error)
        await asyncio.sleep(FOLD_EVERY)


async def sweep_media(container: AsyncContainer) -> int:
    """Delete every expired unattached upload: how many there were."""
    swept = 0
    while True:
        async with container() as scope:
            done = await (await scope.get(SweepUnattachedMedia))()
        swept += done
        if done < SWEEP_BATCH:
            return swept


async def _sweep_media_forever(container: AsyncContainer) -> None:
    while True:
        try:
            await sweep_media(container)
        except DependencyUnavailable as error:
            logger.warning("could not sweep unattached media: %s", error)
        await asyncio.sleep(SWEEP_MEDIA_EVERY)


async def run_jobs(
    container: AsyncContainer,
    *,
    concurrency: int = WORKER_CONCURRENCY,
    until_empty: bool = False,
) -> None:
    """Do derived work (jobs, and folding count changes) until cancelled, or with
    ``until_empty`` until none is ready."""
    worker = await container.get(JobWorker)
    perform = performer(container)
    if until_empty:
        await sweep_media(container)
        while True:
            await worker.run(perform, WORK.keys(), concurrency=concurrency, until_empty=True)
            if not await fold_counts(container):
                return
    async with asyncio.TaskGroup() as group:
        group.create_task(_fold_counts_forever(container))
        group.create_task(_sweep_media_forever(container))
        group.create_task(
            worker.run(perform, WORK.keys(), concurrency=concurrency, until_empty=False)
        )


class InProcessWorker:
    """A worker task beside the server's requests, started and stopped with the app."""

    def __init__(self, container: AsyncContainer, concurrency: int = WORKER_CONCURRENCY) -> None:
        self._container = container
        self._concurrency = concurrency
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="chirp-worker")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await run_jobs(self._container, concurrency=self._concurrency)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Jobs stay queued (a database outage, say); try again shortly.
                logger.exception("worker stopped; restarting in 1 s")
                await asyncio.sleep(1)
