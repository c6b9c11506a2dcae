from __future__ import annotations

import dataclasses

from application.derived.registry import SUBSCRIBERS
from application.ports.job_queue import Job, JobQueue
from domain.events import Event


class Outbox:
    """Records events in the use case's transaction, as one job per subscriber: the
    subscribers' work is done after the commit, and only if it commits."""

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    async def emit(self, *events: Event) -> None:
        await self._queue.enqueue(
            *(
                Job(work.kind, dataclasses.asdict(event))
                for event in events
                for work in SUBSCRIBERS[type(event)]
            )
        )
