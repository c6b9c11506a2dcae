from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_user
from application.ports.user_reader import UserReader
from domain.users import User


@dataclass(frozen=True, slots=True)
class GetCurrentUserQuery:
    user_id: int


class GetCurrentUser:
    """The caller's own account; a deactivated or deleted account's token is refused."""

    def __init__(self, users: UserReader) -> None:
        self._users = users

    async def __call__(self, query: GetCurrentUserQuery) -> User:
        return await active_user(self._users, query.user_id)
