from __future__ import annotations

from dataclasses import dataclass

from application.authorization import active_admin
from application.ports.settings import SettingsRepository
from application.ports.users import UserRepository
from domain.settings import RuntimeSettings


@dataclass(frozen=True, slots=True)
class GetSettingsQuery:
    actor_id: int


class GetSettings:
    """The stored runtime settings, fresh from storage; administrators only."""

    def __init__(self, users: UserRepository, settings: SettingsRepository) -> None:
        self._users = users
        self._settings = settings

    async def __call__(self, query: GetSettingsQuery) -> RuntimeSettings:
        await active_admin(self._users, query.actor_id)
        return await self._settings.load()
