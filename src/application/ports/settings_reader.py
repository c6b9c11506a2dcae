from __future__ import annotations

from typing import Protocol

from domain.settings import RuntimeSettings


class SettingsReader(Protocol):
    """The runtime settings as the service applies them: at most a few seconds stale."""

    async def current(self) -> RuntimeSettings:
        """Settings no older than the staleness bound."""
        ...
