from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

# How long a key's first response is replayed (API.md: "within 24 hours").
REPLAY_WINDOW = timedelta(hours=24)
# How long a claim stays in progress before a retry may take it over: the first request's
# process died. Far longer than a request can run (a body is read before the claim; a
# statement gives up after 10 s, a wait for a connection after 5 s), short enough that a
# client's patient retry gets through.
ABANDONED_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class KeyedRequest:
    """Which request a key names: one user's key on one endpoint, with its body's digest."""

    user_id: int
    endpoint: str  # e.g. "POST /api/v1/tweets"
    key: str
    fingerprint: str  # a digest of the body as the endpoint reads it


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The first response, as it is replayed."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A claimed key: in progress until ``response`` is stored.

    ``token`` is this claim's own: a slow request whose claim was taken over cannot store
    or release the claim that replaced it.
    """

    request: KeyedRequest
    token: str
    created_at: datetime
    response: StoredResponse | None = None

    def is_expired(self, now: datetime) -> bool:
        return now - self.created_at >= REPLAY_WINDOW

    def is_abandoned(self, now: datetime) -> bool:
        return self.response is None and now - self.created_at >= ABANDONED_AFTER


class IdempotencyKeys(Protocol):
    """The keys of recent writes, shared by every instance; each call is atomic on its own
    (and, in a database, its own short committed transaction)."""

    async def insert(self, record: IdempotencyRecord) -> bool:
        """Add ``record`` unless its user, endpoint and key have one: whether it was added."""
        ...

    async def find(self, request: KeyedRequest) -> IdempotencyRecord | None:
        """The record of ``request``'s user, endpoint and key, whatever its age."""
        ...

    async def replace(self, token: str, record: IdempotencyRecord) -> bool:
        """Put ``record`` in place of the one of its key whose token is ``token`` (an expired
        or abandoned claim); False when that one is gone or was replaced meanwhile."""
        ...

    async def complete(self, record: IdempotencyRecord, response: StoredResponse) -> None:
        """Store ``response`` on ``record``'s claim, if the claim is still ``record``'s."""
        ...

    async def release(self, record: IdempotencyRecord) -> None:
        """Delete ``record``'s claim, if it is still ``record``'s, so the key starts afresh."""
        ...

    async def purge(self, before: datetime) -> int:
        """Delete the records created before ``before``: how many."""
        ...
