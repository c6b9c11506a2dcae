"""Idempotency keys: a write sent again with its key gets its first response back."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports.clock import Clock
from application.ports.idempotency_keys import (
    REPLAY_WINDOW,
    IdempotencyKeys,
    IdempotencyRecord,
    KeyedRequest,
    StoredResponse,
)
from domain.errors import IdempotencyKeyInUse, IdempotencyKeyMismatch

# Expired records are deleted at most this often per process (and when a key is reused).
PURGE_EVERY = timedelta(minutes=1)
# A claim lost to a racer this many times in a row is reported as in use.
_CLAIM_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class Claimed:
    """The request is to run; ``finish`` it with its response."""

    record: IdempotencyRecord


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's first response, to send again."""

    response: StoredResponse


def is_kept(status: int) -> bool:
    """Whether a response is stored for replay: all but 5xx and 429, which a retry should
    run afresh."""
    return status < 500 and status != 429


class IdempotentRequests:
    """Runs each (user, endpoint, key) once in ``REPLAY_WINDOW`` (24 h).

    - The first request claims the key; the same key again gets the first response
      (``Replay``) once it is stored, ``idempotency_key_in_use`` while it is not, and
      ``idempotency_key_mismatch`` with another body. Keys are per user and per endpoint.
    - A response with a 5xx or 429 status is not kept: the claim is deleted, and a retry
      runs afresh; so is a claim whose request never finished.
    - A claim still in progress after ``ABANDONED_AFTER`` (its process died) may be taken
      over by a retry. Records older than 24 h are ignored, replaced when their key comes
      again, and deleted by a purge that runs at most once a minute per process.
    """

    def __init__(self, keys: IdempotencyKeys, clock: Clock) -> None:
        self._keys = keys
        self._clock = clock
        self._purged_at: datetime | None = None

    async def begin(self, request: KeyedRequest) -> Claimed | Replay:
        now = self._clock.now()
        await self._purge_expired(now)
        fresh = IdempotencyRecord(request, token=secrets.token_hex(16), created_at=now)
        for _ in range(_CLAIM_ROUNDS):
            if await self._keys.insert(fresh):
                return Claimed(fresh)
            found = await self._keys.find(request)
            if found is None:
                continue  # released meanwhile: try again
            if found.is_expired(now):
                if await self._keys.replace(found.token, fresh):
                    return Claimed(fresh)
                continue
            if found.request.fingerprint != request.fingerprint:
                raise IdempotencyKeyMismatch
            if found.response is not None:
                return Replay(found.response)
            if not found.is_abandoned(now):
                raise IdempotencyKeyInUse
            if await self._keys.replace(found.token, fresh):
                return Claimed(fresh)
        raise IdempotencyKeyInUse

    async def finish(self, claimed: Claimed, response: StoredResponse | None) -> None:
        """Keep ``response`` for replays, or (None: the request ended with no response; a
        status ``is_kept`` refuses) let the key start afresh."""
        if response is not None and is_kept(response.status):
            await self._keys.complete(claimed.record, response)
        else:
            await self._keys.release(claimed.record)

    async def _purge_expired(self, now: datetime) -> None:
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        await self._keys.purge(now - REPLAY_WINDOW)
