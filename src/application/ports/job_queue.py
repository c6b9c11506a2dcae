from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

Payload = Mapping[str, int | str | None]


@dataclass(frozen=True, slots=True)
class Job:
    """One piece of derived work: ``kind`` names its handler, ``payload`` its input.

    Jobs are delivered at least once, so a handler must be idempotent. Two jobs with one
    ``dedupe_key`` are not queued at once (the second is dropped while the first waits).
    A job with a ``delay`` runs no sooner than that many seconds after its commit.
    """

    kind: str
    payload: Payload
    dedupe_key: str | None = field(default=None, compare=False)
    delay: float = field(default=0.0, compare=False)
    id: str | None = field(default=None, compare=False)  # the queue's, once queued
    queued_at: float | None = field(default=None, compare=False)  # Unix time, once queued


class JobQueue(Protocol):
    """Jobs enqueued in the use case's transaction (a transactional outbox): they exist once
    it commits and never if it does not; workers run them after."""

    async def enqueue(self, *jobs: Job) -> None: ...
