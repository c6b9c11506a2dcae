"""The job queue in memory: jobs run when a worker is asked to run them (``run`` with
``until_empty``, as the unit tests drain the queue), in the order they were enqueued."""

from __future__ import annotations

from collections.abc import Collection

from adapters.memory.store import MemoryStore
from application.ports.job_queue import Job, JobQueue
from application.ports.job_worker import Backlog, JobWorker, Perform, RetryPolicy


class InMemoryJobQueue(JobQueue):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def enqueue(self, *jobs: Job) -> None:
        waiting = {job.dedupe_key for job in self._store.jobs if job.dedupe_key}
        for job in jobs:
            if job.dedupe_key is None or job.dedupe_key not in waiting:
                self._store.jobs.append(job)


class InMemoryJobWorker(JobWorker):
    """Retries a failed job at once (no clock to wait on), parks it after the policy's
    ``max_attempts``."""

    def __init__(self, store: MemoryStore, retry: RetryPolicy | None = None) -> None:
        self._store = store
        self._retry = retry or RetryPolicy()

    async def run(
        self, perform: Perform, kinds: Collection[str], *, concurrency: int, until_empty: bool
    ) -> None:
        attempts: dict[int, int] = {}
        while self._store.jobs:
            job = self._store.jobs.popleft()
            try:
                await perform(job)
            except Exception:
                attempts[id(job)] = attempts.get(id(job), 0) + 1
                if attempts[id(job)] >= self._retry.max_attempts:
                    self._store.failed_jobs.append(job)
                else:
                    self._store.jobs.append(job)

    async def retry_failed(self) -> int:
        count = len(self._store.failed_jobs)
        self._store.jobs.extend(self._store.failed_jobs)
        self._store.failed_jobs.clear()
        return count

    async def backlog(self) -> Backlog:
        return Backlog(len(self._store.jobs), 0.0, len(self._store.failed_jobs))
