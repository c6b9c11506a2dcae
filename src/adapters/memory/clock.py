from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports.clock import Clock


class ManualClock(Clock):
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, /, **parts: float) -> None:
        self._now += delta if delta is not None else timedelta(**parts)
