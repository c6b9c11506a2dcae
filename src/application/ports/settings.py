from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from domain.settings import RuntimeSettings


class SettingsRepository(Protocol):
    """The stored runtime settings, read and written without any cache."""

    async def load(self) -> RuntimeSettings:
        """The settings as stored now (defaults for keys never set)."""
        ...

    async def save(self, changes: Mapping[str, int]) -> None:
        """Store these settings (valid ones); every other keeps its stored value, so that
        changes of other settings committed meanwhile stand."""
        ...
