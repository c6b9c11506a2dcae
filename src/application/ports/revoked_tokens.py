from __future__ import annotations

from typing import Protocol

from application.ports.access_tokens import AccessClaims


class RevokedTokens(Protocol):
    """Access tokens that are void before they expire: those of deactivated accounts.

    Asked on every authenticated request, so it answers from memory: what it knows is at most
    a few seconds old (a change is applied at once by the process that made it).
    """

    async def voids(self, claims: AccessClaims) -> bool:
        """Whether the token with these (verified) claims is void."""
        ...
