"""Login sessions and the rotating refresh tokens that keep them alive."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

REFRESH_TOKEN_BYTES = 32  # 256 random bits


def new_refresh_token() -> str:
    """A fresh opaque refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def hash_refresh_token(raw: str) -> str:
    """The only form a refresh token is ever stored in (SHA-256, hex)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Session:
    """One login: every refresh token descended from it belongs to this session."""

    user_id: int
    created_at: datetime
    revoked_at: datetime | None = None
    id: int = 0

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now


@dataclass(slots=True)
class RefreshToken:
    """One link of a session's rotation chain, known only by its hash."""

    session_id: int
    user_id: int
    token_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    parent_id: int | None = None
    rotated_at: datetime | None = None
    id: int = 0

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    @property
    def is_rotated(self) -> bool:
        return self.rotated_at is not None

    def rotated_within(self, now: datetime, grace: timedelta) -> bool:
        """Whether it was rotated away no longer than ``grace`` ago."""
        return self.rotated_at is not None and now - self.rotated_at <= grace
