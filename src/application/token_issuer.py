"""Issuing a token pair: shared by registration, login and rotation."""

from __future__ import annotations

from dataclasses import dataclass, field

from application.ports.access_tokens import AccessClaims, AccessTokens
from application.ports.clock import Clock
from application.ports.sessions import SessionRepository
from application.ports.settings_reader import SettingsReader
from domain.sessions import RefreshToken, Session, hash_refresh_token, new_refresh_token
from domain.users import User


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    refresh_expires_in: int
    session_id: int
    user_id: int


class TokenIssuer:
    """Starts sessions and issues access + refresh token pairs with the current lifetimes."""

    def __init__(
        self,
        sessions: SessionRepository,
        access_tokens: AccessTokens,
        settings: SettingsReader,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._access_tokens = access_tokens
        self._settings = settings
        self._clock = clock

    async def start_session(self, user: User) -> TokenPair:
        """A new session for ``user`` and its first token pair."""
        session = await self._sessions.add_session(
            Session(user_id=user.id, created_at=self._clock.now())
        )
        return await self.issue(user, session.id, parent_id=None)

    async def issue(self, user: User, session_id: int, *, parent_id: int | None) -> TokenPair:
        """A token pair in an existing session, the refresh token following ``parent_id``."""
        now = self._clock.now()
        settings = await self._settings.current()
        raw_refresh = new_refresh_token()
        await self._sessions.add_token(
            RefreshToken(
                session_id=session_id,
                user_id=user.id,
                token_hash=hash_refresh_token(raw_refresh),
                created_at=now,
                expires_at=now + settings.refresh_token_ttl,
                parent_id=parent_id,
            )
        )
        access = self._access_tokens.issue(
            AccessClaims(
                user_id=user.id,
                session_id=session_id,
                is_admin=user.is_admin,
                issued_at=now,
                expires_at=now + settings.access_token_ttl,
            )
        )
        return TokenPair(
            access_token=access,
            refresh_token=raw_refresh,
            expires_in=settings.access_token_ttl_seconds,
            refresh_expires_in=settings.refresh_token_ttl_seconds,
            session_id=session_id,
            user_id=user.id,
        )
