from __future__ import annotations

from typing import Protocol


class TransactionManager(Protocol):
    """The unit of work of one use case: nothing it wrote is kept until ``commit``."""

    async def commit(self) -> None:
        """Make every write of this unit of work durable, or raise and keep none."""
        ...
