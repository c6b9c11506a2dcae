from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """What a verified access token says about its bearer."""

    user_id: int
    session_id: int
    is_admin: bool
    issued_at: datetime
    expires_at: datetime


class AccessTokens(Protocol):
    """Issues and verifies short-lived, self-contained access tokens (no storage)."""

    def issue(self, claims: AccessClaims) -> str:
        """A signed token carrying ``claims``."""
        ...

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid token; raises ``InvalidAccessToken`` otherwise."""
        ...
