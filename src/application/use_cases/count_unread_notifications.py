from __future__ import annotations

from application.ports.clock import Clock
from application.ports.notifications import NotificationReader


class CountUnreadNotifications:
    """How many of the notifications the user would see are unread (cheap at any size)."""

    def __init__(self, reader: NotificationReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, user_id: int) -> int:
        return await self._reader.unread_count(user_id, self._clock.now())
