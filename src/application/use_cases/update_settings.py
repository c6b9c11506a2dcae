from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from application.authorization import active_admin
from application.ports.settings import SettingsRepository
from application.ports.settings_publisher import SettingsPublisher
from application.ports.transaction import TransactionManager
from application.ports.user_lookup import UserLookup
from domain.settings import RuntimeSettings


@dataclass(frozen=True, slots=True)
class UpdateSettingsCommand:
    actor_id: int
    changes: Mapping[str, object]


class UpdateSettings:
    """Change some runtime settings; administrators only.

    Unknown keys and out-of-range values are all reported and nothing changes.
    Only the settings named are written: changes of others committed meanwhile stand.
    Once committed the change is published: every instance applies it within the settings
    cache's staleness bound, at once where the cache is shared.
    """

    def __init__(
        self,
        users: UserLookup,
        settings: SettingsRepository,
        tx: TransactionManager,
        publisher: SettingsPublisher,
    ) -> None:
        self._users = users
        self._settings = settings
        self._tx = tx
        self._publisher = publisher

    async def __call__(self, command: UpdateSettingsCommand) -> RuntimeSettings:
        await active_admin(self._users, command.actor_id)
        validated = (await self._settings.load()).changed(command.changes).as_dict()
        await self._settings.save({key: validated[key] for key in command.changes})
        updated = await self._settings.load()  # with what others committed meanwhile
        await self._tx.commit()
        await self._publisher.publish(updated)
        return updated
