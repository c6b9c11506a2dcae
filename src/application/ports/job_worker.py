from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from application.ports.job_queue import Job

# Runs one job to completion, or raises to have it retried later.
Perform = Callable[[Job], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A failed job runs again after ``delay(attempts)``; after ``max_attempts`` runs that
    failed it is parked as failed."""

    max_attempts: int = 5
    initial_delay: timedelta = timedelta(seconds=1)
    multiplier: float = 2.0
    max_delay: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        """The wait before the next run, after ``attempts`` runs (1 or more)."""
        return min(self.initial_delay * self.multiplier ** (attempts - 1), self.max_delay)


@dataclass(frozen=True, slots=True)
class Backlog:
    """The queue as an operator sees it."""

    queued: int  # waiting or running
    oldest_seconds: float  # age of the oldest waiting job; 0 when none waits
    failed: int  # parked after too many failures, waiting for an operator


class JobWorker(Protocol):
    """Takes jobs off the queue and performs them: at least once each, retried with
    backoff while they fail, parked after ``max_attempts`` (see ``retry_failed``).

    A job taken by a worker that dies is taken again by another after a bounded time.
    """

    async def run(
        self, perform: Perform, kinds: Collection[str], *, concurrency: int, until_empty: bool
    ) -> None:
        """Perform jobs of ``kinds``, up to ``concurrency`` at once, until stopped (cancel
        the task), or with ``until_empty`` until no job is ready to run (one waiting for a
        retry or held by another worker is not)."""
        ...

    async def retry_failed(self) -> int:
        """Queue every parked job again, as new: how many there were."""
        ...

    async def backlog(self) -> Backlog: ...
