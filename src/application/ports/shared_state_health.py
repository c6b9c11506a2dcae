from __future__ import annotations

from typing import Protocol


class SharedStateHealth(Protocol):
    """Whether the store of state shared by instances (throttle counts, settings) answers."""

    async def is_ready(self) -> bool:
        """True when the store answers (always, when the state lives in this process)."""
        ...
