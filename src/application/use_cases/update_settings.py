from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.authorization import active_admin
from application.ports.settings import SettingsRepository
from application.ports.transaction import TransactionManager
from application.ports.users import UserRepository
from domain.settings import RuntimeSettings


@dataclass(frozen=True, slots=True)
class UpdateSettingsCommand:
    actor_id: int
    changes: Mapping[str, object]


class UpdateSettings:
    """Change some runtime settings; administrators only.

    Unknown keys and out-of-range values are all reported and nothing changes.
    Every instance applies the change within the settings cache's staleness bound.
    """

    def __init__(
        self, users: UserRepository, settings: SettingsRepository, tx: TransactionManager
    ) -> None:
        self._users = users
        self._settings = settings
        self._tx = tx

    async def __call__(self, command: UpdateSettingsCommand) -> RuntimeSettings:
        await active_admin(self._users, command.actor_id)
        updated = (await self._settings.load()).changed(command.changes)
        await self._settings.save(updated)
        await self._tx.commit()
        return updated
