from __future__ import annotations

from typing import Protocol


class DatabaseHealth(Protocol):
    """Whether the database answers."""

    async def is_ready(self) -> bool:
        """True when a trivial query succeeds."""
        ...
