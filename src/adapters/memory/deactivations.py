from __future__ import annotations

from datetime import datetime

from adapters.memory.store import MemoryStore
from application.ports.deactivations import Deactivations
from domain.users import Deactivation


class InMemoryDeactivations(Deactivations):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def since(self, moment: datetime) -> list[Deactivation]:
        found = (Deactivation.of(user) for user in self._store.users.values())
        return [d for d in found if d is not None and d.at >= moment]
