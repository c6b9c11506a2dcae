from __future__ import annotations

from typing import Protocol

from domain.users import Deactivation


class DeactivationPublisher(Protocol):
    """Where a committed deactivation or reactivation is announced to the token checks."""

    async def publish(self, deactivation: Deactivation) -> None:
        """``deactivation`` (an account's last one, active again or not) was just committed:
        the checks may apply it at once rather than when they next read storage."""
        ...
