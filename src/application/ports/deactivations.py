from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.users import Deactivation


class Deactivations(Protocol):
    """Where accounts' deactivations are recorded (with the accounts)."""

    async def since(self, moment: datetime) -> list[Deactivation]:
        """The last deactivation of every account deactivated at or after ``moment``,
        active again or not."""
        ...
