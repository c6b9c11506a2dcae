from __future__ import annotations

from dataclasses import dataclass

from application.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from application.ports.user_reader import ActiveUser, UserReader
from domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ListActiveUsersQuery:
    limit: int = DEFAULT_PAGE_SIZE


class ListActiveUsers:
    """A leaderboard of the most recent logins (active accounts only); not paginated."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListActiveUsersQuery) -> list[ActiveUser]:
        if not 1 <= query.limit <= MAX_PAGE_SIZE:
            raise ValidationError.single("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
        return await self._reader.recently_active(query.limit)
