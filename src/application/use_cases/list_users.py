from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_admin
from application.pagination import Page, PageRequest, page_of
from application.ports.user_reader import UserReader
from domain.users import User


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    actor_id: int
    page: PageRequest


class ListUsers:
    """Every account, newest first; administrators only (checked in storage)."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: ListUsersQuery) -> Page[User]:
        await active_admin(self._reader, query.actor_id)
        rows = await self._reader.newest(query.page.before, query.page.fetch)
        return page_of(rows, query.page)
