from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from domain.settings import RuntimeSettings


class StoredSettings(Protocol):
    """The runtime settings as committed, read without any cache and outside any
    transaction (for readers and caches)."""

    async def load(self) -> RuntimeSettings:
        """The settings as stored now (defaults for keys never set)."""
        ...


class SettingsRepository(Protocol):
    """The stored runtime settings in the use case's transaction, without any cache."""

    async def load(self) -> RuntimeSettings:
        """The settings as stored now, with this transaction's changes (defaults for keys
        never set)."""
        ...

    async def save(self, changes: Mapping[str, int]) -> None:
        """Store these settings (valid ones); every other keeps its stored value, so that
        changes of other settings committed meanwhile stand."""
        ...
