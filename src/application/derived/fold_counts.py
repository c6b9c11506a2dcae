from __future__ import annotations

from application.ports.counts import CountDrift, Counts
from application.ports.transaction import TransactionManager

# Changes applied per transaction: bounded so that a backlog never makes one long transaction.
FOLD_BATCH = 5000


class FoldCounts:
    """Apply the recorded count changes to the counts (workers run this every moment).

    Each change is applied exactly once: it is deleted in the transaction that applies it.
    Returns how many were applied; fewer than ``FOLD_BATCH`` means none is left.
    """

    def __init__(self, counts: Counts, tx: TransactionManager) -> None:
        self._counts = counts
        self._tx = tx

    async def __call__(self) -> int:
        folded = await self._counts.fold(FOLD_BATCH)
        await self._tx.commit()
        return folded


class RepairCounts:
    """Recompute every count from its rows (``chirp repair counts``): the drifts corrected."""

    def __init__(self, counts: Counts, tx: TransactionManager) -> None:
        self._counts = counts
        self._tx = tx

    async def __call__(self) -> list[CountDrift]:
        drifts = await self._counts.repair()
        await self._tx.commit()
        return drifts
