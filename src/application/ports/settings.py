from __future__ import annotations

from typing import Protocol

from domain.settings import RuntimeSettings


class SettingsRepository(Protocol):
    """The stored runtime settings, read and written without any cache."""

    async def load(self) -> RuntimeSettings:
        """The settings as stored now (defaults for keys never set)."""
        ...

    async def save(self, settings: RuntimeSettings) -> None:
        """Store every setting."""
        ...
