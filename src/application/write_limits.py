"""The per-user write rate limit (``writes_per_user_per_hour``), on the AttemptLog port."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from application.ports.attempt_log import AttemptLog
from application.ports.clock import Clock
from application.ports.settings_reader import SettingsReader
from domain.errors import TooManyWrites
from domain.settings import WRITES_PER_USER_WINDOW


@dataclass(frozen=True, slots=True)
class CountedWrite:
    """A write that counted against its user's limit, and what the limit leaves after it."""

    user_id: int
    at: datetime
    limit: int
    remaining: int
    reset_seconds: int  # until a write is allowed again: 0 while ``remaining`` > 0
    window_seconds: int


class WriteLimits:
    """Counts authenticated writes per user in a sliding hour.

    - At most ``writes_per_user_per_hour`` writes per user in any hour (runtime setting;
      0 means unlimited: nothing is counted). Past it ``too_many_requests`` with the
      seconds until the oldest counted write leaves the hour; a refused write is not
      counted, so retrying early never extends the wait.
    - A write counts whatever its outcome, unless it turns out not to be one (an
      idempotent replay, a 429 for another limit): ``forget`` takes it back.
    """

    def __init__(self, attempts: AttemptLog, settings: SettingsReader, clock: Clock) -> None:
        self._attempts = attempts
        self._settings = settings
        self._clock = clock

    async def count(self, user_id: int) -> CountedWrite | None:
        """Count one write of ``user_id``; None when writes are unlimited."""
        limit = (await self._settings.current()).writes_per_user_per_hour
        if limit <= 0:
            return None
        now = self._clock.now()
        quota = await self._attempts.take(_key(user_id), limit, WRITES_PER_USER_WINDOW, now)
        reset = max(0, math.ceil(quota.wait.total_seconds()))
        if not quota.recorded:
            raise TooManyWrites(retry_after=max(1, reset))
        return CountedWrite(
            user_id=user_id,
            at=now,
            limit=limit,
            remaining=quota.remaining,
            reset_seconds=reset,
            window_seconds=int(WRITES_PER_USER_WINDOW.total_seconds()),
        )

    async def forget(self, write: CountedWrite) -> None:
        """Take back a write counted by ``count``."""
        await self._attempts.release(_key(write.user_id), write.at)


def _key(user_id: int) -> str:
    return f"write:user:{user_id}"
