from __future__ import annotations

from collections.abc import Mapping

from adapters.memory.store import MemoryStore
from application.ports.settings import SettingsRepository
from domain.settings import RuntimeSettings


class InMemorySettingsRepository(SettingsRepository):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def load(self) -> RuntimeSettings:
        return RuntimeSettings.from_stored(self._store.settings)

    async def save(self, changes: Mapping[str, int]) -> None:
        self._store.settings = {**self._store.settings, **changes}
