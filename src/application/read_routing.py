"""Which reads may come from a read replica, a little behind the primary.

A request marks itself with ``allowing_stale_reads`` when what it reads may lag (a public
page), and only if its caller has not written lately (``ReadYourWrites``): a user's reads
of their own writes always come from the primary. The SQL adapters ask
``stale_reads_allowed`` for each read; everything else (writes, the workers, a read that
decides a write) reads the primary, as it does by default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from application.errors import DependencyUnavailable
from application.ports.recent_writes import RecentWrites

# How long after a write its author's reads go to the primary. A replica that falls
# further behind than a fraction of this is not read from at all (adapters/sql/replicas.py),
# so after it the replicas hold the write.
READ_YOUR_WRITES = timedelta(seconds=5)

_stale_reads = ContextVar("chirp_stale_reads_allowed", default=False)
logger = logging.getLogger("chirp.reads")


def stale_reads_allowed() -> bool:
    """Whether the reads of the running task may come from a replica."""
    return _stale_reads.get()


@contextmanager
def allowing_stale_reads() -> Iterator[None]:
    """Reads inside this block (and tasks started in it) may come from a replica."""
    token = _stale_reads.set(True)
    try:
        yield
    finally:
        _stale_reads.reset(token)


class ReadYourWrites:
    """Decides whether a caller may read from a replica.

    - Anonymous callers may: nothing they read is their own.
    - A signed-in caller may not for ``READ_YOUR_WRITES`` after a write of theirs is
      acknowledged, whichever instance took it.
    - When who wrote lately cannot be known (Redis down), the caller reads the primary:
      never a stale read of one's own write, never a failed read because of it.
    """

    def __init__(self, recent: RecentWrites) -> None:
        self._recent = recent

    async def wrote(self, user_id: int) -> None:
        """``user_id``'s write is about to be acknowledged."""
        try:
            await self._recent.note(user_id, READ_YOUR_WRITES)
        except DependencyUnavailable as error:
            # Their reads may reach a replica a few milliseconds behind on another
            # instance: a stale read, not a failed write.
            logger.warning("a write was not noted for read-your-writes: %s", error)

    async def may_read_stale(self, user_id: int | None) -> bool:
        if user_id is None:
            return True
        try:
            return not await self._recent.noted(user_id)
        except DependencyUnavailable:
            return False
