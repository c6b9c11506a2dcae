from __future__ import annotations

from dataclasses import dataclass

from application.pagination import Page, PageRequest, page_of
from application.ports.relationships import RelationshipReader
from application.ports.user_reader import UserSummary


@dataclass(frozen=True, slots=True)
class OwnListQuery:
    user_id: int
    page: PageRequest


class ListBlocks:
    """Whom the user blocks, most recent block first, keyset-paged."""

    def __init__(self, reader: RelationshipReader) -> None:
        self._reader = reader

    async def __call__(self, query: OwnListQuery) -> Page[UserSummary]:
        rows = await self._reader.blocks(query.user_id, query.page.before, query.page.fetch)
        return page_of(rows, query.page)
