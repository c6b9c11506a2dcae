from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.sessions import RefreshToken, Session


class SessionRepository(Protocol):
    """Stores login sessions and their refresh tokens (as hashes only)."""

    async def add_session(self, session: Session) -> Session:
        """Store a new session and give it its id."""
        ...

    async def get_session(self, session_id: int) -> Session | None:
        """The session with this id."""
        ...

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        """End one session: none of its refresh tokens works any more."""
        ...

    async def revoke_user_sessions(
        self, user_id: int, now: datetime, *, keep_session_id: int | None = None
    ) -> None:
        """End every session of a user, except ``keep_session_id`` if given."""
        ...

    async def add_token(self, token: RefreshToken) -> RefreshToken:
        """Store a new refresh token (its hash) and give it its id."""
        ...

    async def get_token_by_hash(self, token_hash: str) -> RefreshToken | None:
        """The refresh token with this SHA-256 hash."""
        ...

    async def mark_rotated(self, token_id: int, now: datetime) -> bool:
        """Atomically consume a token: True for the one caller that rotated it.

        Of any number of concurrent callers with the same token, exactly one gets True.
        """
        ...
