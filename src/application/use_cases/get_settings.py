from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_admin
from application.ports.settings import StoredSettings
from application.ports.user_lookup import UserLookup
from domain.settings import RuntimeSettings


@dataclass(frozen=True, slots=True)
class GetSettingsQuery:
    actor_id: int


class GetSettings:
    """The stored runtime settings, fresh from storage; administrators only."""

    def __init__(self, users: UserLookup, settings: StoredSettings) -> None:
        self._users = users
        self._settings = settings

    async def __call__(self, query: GetSettingsQuery) -> RuntimeSettings:
        await active_admin(self._users, query.actor_id)
        return await self._settings.load()
