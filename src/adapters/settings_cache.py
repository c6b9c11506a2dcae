from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from application.ports.clock import Clock
from application.ports.settings import StoredSettings
from application.ports.settings_publisher import SettingsPublisher
from application.ports.settings_reader import SettingsReader
from domain.settings import RuntimeSettings

# A cached copy is used at most this long after it was read from storage, so a change made
# through any instance is applied everywhere within it (the contract allows 5 s).
SETTINGS_MAX_AGE = timedelta(seconds=2)


class SettingsCopy(Protocol):
    """Where the settings last read from storage are kept: this process, or shared."""

    async def fresh(self, now: datetime) -> RuntimeSettings | None:
        """The kept copy, unless there is none or it is too old."""
        ...

    async def fill(self, value: RuntimeSettings, now: datetime) -> None:
        """Keep ``value``, just read from storage (a copy kept meanwhile may win)."""
        ...

    async def replace(self, value: RuntimeSettings, now: datetime) -> None:
        """Keep ``value``, just committed, in place of any copy."""
        ...


class SettingsCache(SettingsCopy):
    """The last settings a process read, and when; one per process."""

    max_age = SETTINGS_MAX_AGE

    def __init__(self) -> None:
        self.value: RuntimeSettings | None = None
        self.loaded_at: datetime | None = None

    async def fresh(self, now: datetime) -> RuntimeSettings | None:
        if self.value is None or self.loaded_at is None:
            return None
        if not timedelta(0) <= now - self.loaded_at < self.max_age:
            return None
        return self.value

    async def fill(self, value: RuntimeSettings, now: datetime) -> None:
        self.value = value
        self.loaded_at = now

    async def replace(self, value: RuntimeSettings, now: datetime) -> None:
        await self.fill(value, now)


class CachedSettingsReader(SettingsReader, SettingsPublisher):
    """Reads the settings through a cached copy, reloading it when it is too old; a change
    committed here replaces the copy at once."""

    def __init__(self, repository: StoredSettings, cache: SettingsCopy, clock: Clock) -> None:
        self._repository = repository
        self._cache = cache
        self._clock = clock

    async def current(self) -> RuntimeSettings:
        now = self._clock.now()
        cached = await self._cache.fresh(now)
        if cached is not None:
            return cached
        loaded = await self._repository.load()
        await self._cache.fill(loaded, now)
        return loaded

    async def publish(self, settings: RuntimeSettings) -> None:
        await self._cache.replace(settings, self._clock.now())
