from __future__ import annotations

from application.ports.health import DatabaseHealth


class InMemoryDatabaseHealth(DatabaseHealth):
    """The in-memory store is there as long as the process is."""

    async def is_ready(self) -> bool:
        return True
