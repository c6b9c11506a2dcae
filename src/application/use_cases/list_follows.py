from __future__ import annotations

from dataclasses import dataclass

from application.lookups import user_open_to
from application.pagination import Page, PageRequest, page_of
from application.ports.relationships import RelationshipReader
from application.ports.user_reader import UserReader, UserSummary


@dataclass(frozen=True, slots=True)
class ListFollowsQuery:
    username: str
    page: PageRequest
    viewer_id: int | None = None


class ListFollowers:
    """Who follows a user, most recent follow first, keyset-paged (``blocked`` across a
    block)."""

    def __init__(self, reader: UserReader, relationships: RelationshipReader) -> None:
        self._reader = reader
        self._relationships = relationships

    async def __call__(self, query: ListFollowsQuery) -> Page[UserSummary]:
        user = await user_open_to(
            self._reader, self._relationships, query.username, query.viewer_id
        )
        rows = await self._reader.followers(
            user.id, query.page.before, query.page.fetch, query.viewer_id
        )
        return page_of(rows, query.page)


class ListFollowing:
    """Whom a user follows, most recent follow first, keyset-paged (``blocked`` across a
    block)."""

    def __init__(self, reader: UserReader, relationships: RelationshipReader) -> None:
        self._reader = reader
        self._relationships = relationships

    async def __call__(self, query: ListFollowsQuery) -> Page[UserSummary]:
        user = await user_open_to(
            self._reader, self._relationships, query.username, query.viewer_id
        )
        rows = await self._reader.following(
            user.id, query.page.before, query.page.fetch, query.viewer_id
        )
        return page_of(rows, query.page)
