from __future__ import annotations

from application.pagination import Page, page_of
from application.ports.clock import Clock
from application.ports.relationships import MutedUser, RelationshipReader
from application.use_cases.list_blocks import OwnListQuery


class ListMutes:
    """Whom the user mutes, most recent first, the mutes that have expired left out."""

    def __init__(self, reader: RelationshipReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, query: OwnListQuery) -> Page[MutedUser]:
        rows = await self._reader.mutes(
            query.user_id, self._clock.now(), query.page.before, query.page.fetch
        )
        return page_of(rows, query.page)
