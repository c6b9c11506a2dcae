from __future__ import annotations

from dataclasses import dataclass

from application.lookups import user_named
from application.pagination import Page, PageRequest, page_of
from application.ports.user_reader import UserReader, UserSummary


@dataclass(frozen=True, slots=True)
class ListFollowsQuery:
    username: str
    page: PageRequest


class ListFollowers:
    """Who follows a user, most recent follow first, keyset-paged."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListFollowsQuery) -> Page[UserSummary]:
        user = await user_named(self._reader, query.username)
        rows = await self._reader.followers(user.id, query.page.before, query.page.fetch)
        return page_of(rows, query.page)


class ListFollowing:
    """Whom a user follows, most recent follow first, keyset-paged."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListFollowsQuery) -> Page[UserSummary]:
        user = await user_named(self._reader, query.username)
        rows = await self._reader.following(user.id, query.page.before, query.page.fetch)
        return page_of(rows, query.page)
