from __future__ import annotations

from adapters.memory.store import MemoryStore
from application.ports.transaction import TransactionManager


class InMemoryTransactionManager(TransactionManager):
    """Writes land at once in memory; this only counts commits, for tests to check."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def commit(self) -> None:
        self._store.commits += 1
