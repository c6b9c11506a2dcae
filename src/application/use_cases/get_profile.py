from __future__ import annotations

from dataclasses import dataclass

from application.lookups import user_named
from application.ports.user_reader import ProfileView, UserReader
from domain.errors import UserNotFound


@dataclass(frozen=True, slots=True)
class GetProfileQuery:
    username: str
    viewer_id: int | None = None


class GetProfile:
    """A user's public profile with counts; ``followed_by_me`` for a signed-in viewer."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def __call__(self, query: GetProfileQuery) -> ProfileView:
        user = await user_named(self._reader, query.username)
        profile = await self._reader.profile(user.id, query.viewer_id)
        if profile is None:
            raise UserNotFound
        return profile
