from __future__ import annotations

from application.ports.shared_state_health import SharedStateHealth


class InProcessStateHealth(SharedStateHealth):
    """State kept in this process is there as long as the process is."""

    async def is_ready(self) -> bool:
        return True
