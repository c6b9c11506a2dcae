"""Throttling of logins and registrations, on top of the AttemptLog port."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from application.ports.attempt_log import AttemptLog
from domain.errors import TooManyAttempts


class Throttle:
    """Admits an attempt or raises ``TooManyAttempts``; a limit of 0 means unlimited."""

    def __init__(self, attempts: AttemptLog) -> None:
        self._attempts = attempts

    async def admit(self, key: str, limit: int, window: timedelta, now: datetime) -> None:
        if limit <= 0:
            return
        wait = await self._attempts.acquire(key, limit, window, now)
        if wait is not None:
            raise TooManyAttempts(retry_after=max(1, math.ceil(wait.total_seconds())))

    async def forget(self, key: str, at: datetime) -> None:
        await self._attempts.release(key, at)

    async def reset(self, key: str) -> None:
        await self._attempts.clear(key)
