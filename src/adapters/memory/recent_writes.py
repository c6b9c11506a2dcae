from __future__ import annotations

from datetime import datetime, timedelta

from application.ports.clock import Clock
from application.ports.recent_writes import RecentWrites

# Past this many users, those whose notes have lapsed are dropped.
_SWEEP_THRESHOLD = 10_000


class InMemoryRecentWrites(RecentWrites):
    """Notes kept in this process: right for a single instance (and for tests)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[int, datetime] = {}

    async def note(self, user_id: int, lasting: timedelta) -> None:
        now = self._clock.now()
        if len(self._until) >= _SWEEP_THRESHOLD:
            self._until = {user: until for user, until in self._until.items() if until > now}
        self._until[user_id] = now + lasting

    async def noted(self, user_id: int) -> bool:
        until = self._until.get(user_id)
        return until is not None and until > self._clock.now()
