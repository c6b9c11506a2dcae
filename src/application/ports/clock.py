from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """The current time; passed in so tests can move it."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...
