from __future__ import annotations

from typing import Protocol

from domain.users import User


class UserLookup(Protocol):
    """Finds accounts by id, username or email (case-insensitively), active or not, as
    committed: outside the use case's transaction, so a writing use case can read what it
    decides on before it holds anything (its writes then re-check what they depend on)."""

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        ...

    async def get_by_username(self, username: str) -> User | None:
        """The user with this username, compared case-insensitively."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email address, compared case-insensitively."""
        ...
