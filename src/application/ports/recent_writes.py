from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class RecentWrites(Protocol):
    """Which users wrote lately, shared by every instance that serves them (so a read
    through one instance knows of a write through another)."""

    async def note(self, user_id: int, lasting: timedelta) -> None:
        """Remember that ``user_id`` wrote, for ``lasting`` from now."""
        ...

    async def noted(self, user_id: int) -> bool:
        """Whether a ``note`` of ``user_id`` still lasts."""
        ...
