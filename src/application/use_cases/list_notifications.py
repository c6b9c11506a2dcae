from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.clock import Clock
from application.ports.notifications import NotificationReader, NotificationView
from domain.notifications import notification_types


@dataclass(frozen=True, slots=True)
class ListNotificationsQuery:
    user_id: int
    page: PageRequest
    types: str | None = None  # comma-separated types to keep (None: all)


class ListNotifications:
    """The user's notifications, newest first, keyset-paged; only the ``types`` asked for
    (an unknown or empty one is a validation error). None from an account a block
    separates from the user or that they mute with notifications, earlier ones included."""

    def __init__(self, reader: NotificationReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, query: ListNotificationsQuery) -> Page[NotificationView]:
        types = notification_types(query.types)
        page = query.page
        rows = await self._reader.page(
            query.user_id, types, self._clock.now(), page.before, page.fetch
        )
        return page_of(rows, page)
