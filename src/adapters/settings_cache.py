from __future__ import annotations

from datetime import datetime, timedelta

from application.ports.clock import Clock
from application.ports.settings import SettingsRepository
from application.ports.settings_reader import SettingsReader
from domain.settings import RuntimeSettings

# Each process reloads the settings at most this long after it last read them, so a change
# made through any instance is applied everywhere within it (the contract allows 5 s).
SETTINGS_MAX_AGE = timedelta(seconds=2)


class SettingsCache:
    """The last settings a process read, and when; one per process."""

    max_age = SETTINGS_MAX_AGE

    def __init__(self) -> None:
        self.value: RuntimeSettings | None = None
        self.loaded_at: datetime | None = None

    def fresh(self, now: datetime) -> RuntimeSettings | None:
        if self.value is None or self.loaded_at is None:
            return None
        if not timedelta(0) <= now - self.loaded_at < self.max_age:
            return None
        return self.value

    def store(self, value: RuntimeSettings, now: datetime) -> None:
        self.value = value
        self.loaded_at = now


class CachedSettingsReader(SettingsReader):
    """Reads the settings through the process's cache, reloading when it is too old."""

    def __init__(self, repository: SettingsRepository, cache: SettingsCache, clock: Clock) -> None:
        self._repository = repository
        self._cache = cache
        self._clock = clock

    async def current(self) -> RuntimeSettings:
        now = self._clock.now()
        cached = self._cache.fresh(now)
        if cached is not None:
            return cached
        loaded = await self._repository.load()
        self._cache.store(loaded, now)
        return loaded
