from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class AttemptLog(Protocol):
    """Recent attempts per key (an account, a client address) in a sliding window."""

    async def acquire(
        self, key: str, limit: int, window: timedelta, now: datetime
    ) -> timedelta | None:
        """Atomically record an attempt at ``now`` unless ``limit`` are already recorded
        within ``window``; None when recorded, else how long until the oldest one expires.

        A refused attempt is not recorded, so hammering never extends a lockout.
        """
        ...

    async def release(self, key: str, at: datetime) -> None:
        """Forget one attempt recorded at ``at`` (it turned out not to count)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget every attempt of ``key``."""
        ...
