from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from application.ports.attempt_log import AttemptLog, Quota

# Past this many keys, keys whose attempts have all expired are dropped.
_SWEEP_THRESHOLD = 10_000


class InMemoryAttemptLog(AttemptLog):
    """Attempts kept in this process: right for a single instance (and for tests).

    The event loop runs each call to the end without switching, so acquire is atomic.
    """

    def __init__(self) -> None:
        self._attempts: dict[str, deque[datetime]] = {}
        self._longest_window = timedelta(0)

    async def acquire(
        self, key: str, limit: int, window: timedelta, now: datetime
    ) -> timedelta | None:
        self._longest_window = max(self._longest_window, window)
        attempts = self._attempts.setdefault(key, deque())
        while attempts and attempts[0] <= now - window:
            attempts.popleft()
        if len(attempts) >= limit:
            return attempts[-limit] + window - now
        attempts.append(now)
        if len(self._attempts) > _SWEEP_THRESHOLD:
            self._sweep(now)
        return None

    async def take(self, key: str, limit: int, window: timedelta, now: datetime) -> Quota:
        wait = await self.acquire(key, limit, window, now)
        if wait is not None:
            return Quota(recorded=False, remaining=0, wait=wait)
        attempts = self._attempts[key]
        remaining = max(0, limit - len(attempts))
        # None left: the next is allowed when the oldest of the last ``limit`` expires.
        until = attempts[-limit] + window - now if remaining == 0 else timedelta(0)
        return Quota(recorded=True, remaining=remaining, wait=until)

    async def release(self, key: str, at: datetime) -> None:
        attempts = self._attempts.get(key)
        if attempts is not None and at in attempts:
            attempts.remove(at)

    async def clear(self, key: str) -> None:
        self._attempts.pop(key, None)

    def _sweep(self, now: datetime) -> None:
        horizon = now - self._longest_window
        for key in [k for k, v in self._attempts.items() if not v or v[-1] <= horizon]:
            del self._attempts[key]
