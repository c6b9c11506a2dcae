from __future__ import annotations

from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, check_limit
from application.ports.user_reader import ActiveUser, UserReader


@dataclass(frozen=True, slots=True)
class ListActiveUsersQuery:
    limit: int = DEFAULT_PAGE_SIZE


class ListActiveUsers:
    """A leaderboard of the most recent logins (active accounts only); not paginated."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListActiveUsersQuery) -> list[ActiveUser]:
        return await self._reader.recently_active(check_limit(query.limit))
