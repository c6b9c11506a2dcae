from __future__ import annotations

from typing import Protocol

from domain.settings import RuntimeSettings


class SettingsPublisher(Protocol):
    """Where a committed change of the runtime settings is announced to their readers."""

    async def publish(self, settings: RuntimeSettings) -> None:
        """``settings`` were just committed: readers may apply them at once rather than
        when their cached copy expires. A failure to announce loses nothing but that."""
        ...
