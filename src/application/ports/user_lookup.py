from __future__ import annotations

from typing import Protocol

from domain.users import User


class UserLookup(Protocol):
    """Finds accounts by id or username (case-insensitively), active or not."""

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """The user with this username, compared case-insensitively."""
        ...
