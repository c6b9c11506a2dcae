from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Quota:
    """What ``AttemptLog.take`` did and what is left of the window's limit after it."""

    recorded: bool
    remaining: int  # attempts still allowed in the window (0 when refused)
    wait: timedelta  # until an attempt is allowed again: 0 while ``remaining`` > 0


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

    async def take(self, key: str, limit: int, window: timedelta, now: datetime) -> Quota:
        """``acquire``, telling also how many attempts are left and, when none is, how long
        until the oldest one leaves the window (for rate-limit headers)."""
        ...

    async def release(self, key: str, at: datetime) -> None:
        """Forget one attempt recorded at ``at`` (it turned out not to count)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget every attempt of ``key``."""
        ...
